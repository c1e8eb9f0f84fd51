using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OrleansScale.Tests.Hosting;

/// <summary>A TCP relay between a cluster and the test PostgreSQL server that a test can cut: every open
/// connection is reset and new ones are reset as they arrive, which is what the processes see when the
/// database host goes away, without stopping the server that other tests share. <see cref="Heal"/> lets
/// connections through again.</summary>
public sealed class PostgresCut : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly string targetHost;
    readonly int targetPort;
    readonly ConcurrentDictionary<Socket, byte> open = new();
    readonly CancellationTokenSource stopping = new();
    readonly Task accepting;
    volatile bool cut;

    public PostgresCut(string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listener.Start();
        accepting = Accept();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Resets every connection through the relay, and every new one from now on.</summary>
    public void Cut()
    {
        cut = true;
        foreach (var socket in open.Keys)
            Reset(socket);
    }

    public void Heal() => cut = false;

    async Task Accept()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (cut)
            {
                Reset(client);
                continue;
            }
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(targetHost, targetPort, stopping.Token);
            }
            catch (Exception)
            {
                Reset(client);
                server.Dispose();
                continue;
            }
            open[client] = 0;
            open[server] = 0;
            _ = Relay(client, server);
            _ = Relay(server, client);
        }
    }

    async Task Relay(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping.Token);
                if (read == 0 || cut)
                    break;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stopping.Token);
            }
        }
        catch (Exception)
        {
            // A reset side ends both directions.
        }
        Reset(from);
        Reset(to);
    }

    void Reset(Socket socket)
    {
        open.TryRemove(socket, out _);
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, as a vanished host's peer sees it
            socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        listener.Stop();
        await accepting;
        foreach (var socket in open.Keys)
            Reset(socket);
        stopping.Dispose();
    }
}
