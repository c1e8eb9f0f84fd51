using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansScale.Tests.Hosts;

/// <summary>Writes one product over and over (name "w1", "w2", …), one write at a time, and keeps every answer:
/// what was acknowledged with which version, what was refused, and what got no answer (which may still have
/// taken effect).</summary>
sealed class ProductWriter(HostsApi api, string token, string productId)
{
    public sealed record Attempt(int Number, DateTime SentAt, HttpStatusCode? Status, long? Version)
    {
        public string Name => $"w{Number}";
        public bool Acknowledged => Status == HttpStatusCode.OK;
    }

    readonly List<Attempt> attempts = [];

    public string ProductId => productId;

    public IReadOnlyList<Attempt> Attempts
    {
        get { lock (attempts) return [.. attempts]; }
    }

    public bool AcknowledgedSince(DateTime time) => Attempts.Any(a => a.Acknowledged && a.SentAt >= time);

    public async Task Run(CancellationToken stop)
    {
        for (var number = 1; !stop.IsCancellationRequested; number++)
        {
            var sentAt = DateTime.UtcNow;
            Attempt attempt;
            try
            {
                using var response = await api.SendProduct(token, productId, $"w{number}", stop);
                long? version = response.StatusCode == HttpStatusCode.OK
                    ? (await response.Content.ReadFromJsonAsync<JsonElement>(stop)).GetProperty("version").GetInt64()
                    : null;
                attempt = new Attempt(number, sentAt, response.StatusCode, version);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                attempt = new Attempt(number, sentAt, null, null); // no answer: it may or may not have been written
            }
            lock (attempts)
                attempts.Add(attempt);
            if (!attempt.Acknowledged)
                await Task.Delay(100, CancellationToken.None); // a refused write waits a little, as Retry-After asks
        }
    }

    /// <summary>The names the product may show now: the last acknowledged one, or one sent after it that got no
    /// acknowledgement (refused writes included: the check is that nothing acknowledged was lost).</summary>
    public IReadOnlySet<string> PossibleNames()
    {
        var all = Attempts;
        var lastAcknowledged = all.LastOrDefault(a => a.Acknowledged);
        return all.SkipWhile(a => a != lastAcknowledged).Select(a => a.Name).ToHashSet();
    }
}
