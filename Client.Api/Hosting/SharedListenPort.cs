using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace OrleansScale.Api.Hosting;

/// <summary>With <c>Hosting:SharePort=true</c> the API binds its TCP ports with SO_REUSEPORT, so a new API
/// process can listen on the port of the one it replaces before that one stops, and the kernel spreads new
/// connections over both: <c>deploy/roll.sh</c> replaces API processes this way without a moment in which
/// nothing listens. Only processes of the same user that all ask for it share a port, so a stray second
/// start without it still fails with "address in use". Linux only; elsewhere the setting is ignored.</summary>
public static class SharedListenPort
{
    public const string Setting = "Hosting:SharePort";

    // SOL_SOCKET and SO_REUSEPORT on Linux. .NET's ReuseAddress sets only SO_REUSEADDR for TCP.
    const int SocketLevel = 1;
    const int ReusePort = 15;

    public static WebApplicationBuilder AddSharedListenPort(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue(Setting, false) || !OperatingSystem.IsLinux())
            return builder;
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = Bind);
        return builder;
    }

    /// <summary>A listening socket of Kestrel's kind, bound with SO_REUSEPORT.</summary>
    public static Socket Bind(EndPoint endpoint)
    {
        if (endpoint is not IPEndPoint ip)
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.SetRawSocketOption(SocketLevel, ReusePort, BitConverter.GetBytes(1));
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
