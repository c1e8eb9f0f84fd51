using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansScale.Api.Caching;
using OrleansScale.Api.Hosting;
using OrleansScale.Sessions;

namespace OrleansScale.Api.Sessions;

/// <summary>Settings of the API's copies of sessions ("SessionCache" section; see <see cref="AnnouncedCopiesOptions"/>).
/// <see cref="AnnouncedCopiesOptions.MaxAge"/> is also how often a session in use tells its grain so (the
/// slide of its expiry): at most that much sooner than <c>Sessions:IdleTimeout</c> after its last use, a
/// session ends.</summary>
public sealed class SessionCopiesOptions : AnnouncedCopiesOptions
{
    public const string Section = "SessionCache";
}

/// <summary>Copies of signed-in sessions (who, until when, the cart) in this API process (SessionCache:Enabled),
/// so that a signed-in request asks no grain to learn whose it is (<see cref="AnnouncedCopies{TCopy}"/>). Kept
/// exact by the session grains: a cart change or a sign-out is announced through the token's
/// <see cref="ISessionCacheRegistryGrain"/> partition before it is written, so a signed-out token is refused by
/// every API process before the sign-out answers. The expiry is not announced (it only moves later): a copy is
/// served for at most MaxAge and at most halfway to the expiry it holds, then the grain is asked again, which
/// slides the expiry; so a session in use is touched well within its idle timeout, and no copy is served past
/// its expiry. Only sessions that are open and whose grain announces (<see cref="SessionView.Announced"/>) are
/// copied: unknown tokens always ask their grain.</summary>
public sealed partial class SessionCopies : AnnouncedCopies<SessionCopy>, ISessionCacheObserver
{
    public const string MeterName = "OrleansScale.Api.SessionCache";

    /// <summary>The key of the clock copies are checked against (the system clock; tests move their own).</summary>
    public const string ClockKey = "session-copies";

    readonly IClusterClient cluster;
    readonly TimeProvider clock;
    readonly JsonSerializerOptions json;
    readonly ILogger<SessionCopies> logger;
    ISessionCacheObserver? self;

    public SessionCopies(IClusterClient cluster, IOptions<SessionCopiesOptions> options, IMeterFactory meters,
        [FromKeyedServices(ClockKey)] TimeProvider clock, IOptions<JsonOptions> json, ILogger<SessionCopies> logger)
        : base(options.Value, meters, MeterName, "orleansscale.session_cache", "Session", logger)
    {
        this.cluster = cluster;
        this.clock = clock;
        this.json = json.Value.SerializerOptions;
        this.logger = logger;
    }

    /// <summary>Resolving a session is a read: asked again once when the silo that held it has just died. The
    /// call slides the session's expiry.</summary>
    protected override async Task<SessionCopy?> Ask(string token)
    {
        SessionView? session;
        try
        {
            session = await cluster.GetGrain<ISessionGrain>(token).Touch();
        }
        catch (Exception e) when (ClusterFailures.IsTransient(e))
        {
            LogRetrying(e.GetType().Name);
            await Task.Delay(ClusterFailures.RetryPause);
            session = await cluster.GetGrain<ISessionGrain>(token).Touch();
        }
        if (session is null)
            return null;
        // A session of a silo from before the cart was part of the answer has none: the cart is asked for then.
        var cartJson = session.Cart is { } cart ? JsonSerializer.SerializeToUtf8Bytes(cart, json) : null;
        // Asked again at the latest halfway to the expiry the grain just set, so that a session in use is
        // touched (and its row written) well within its idle timeout, however long MaxAge is.
        var now = clock.GetUtcNow();
        var askAgainBy = session.ExpiresAt > now ? now + (session.ExpiresAt - now) / 2 : now;
        var authenticated = AuthenticateResult.Success(
            new AuthenticationTicket(SessionAuthentication.Principal(session), SessionAuthentication.Scheme));
        return new SessionCopy(new CurrentSession(token, session, cartJson), authenticated, askAgainBy);
    }

    protected override bool Keeps(SessionCopy? copy) => copy is { Current.View.Announced: true };

    protected override bool Serves(SessionCopy? copy) => copy is not null && clock.GetUtcNow() < copy.AskAgainBy;

    protected override int SizeOf(string token, SessionCopy? copy) => copy?.Current is not { } current
        ? 64 + 2 * token.Length
        : 768 + 2 * (token.Length + current.View.UserId.Length + current.View.UserName.Length)
          + (current.View.Cart?.Items.Sum(line => 48 + 2 * line.ProductId.Length) ?? 0) + (current.CartJson?.Length ?? 0);

    /// <summary>Called by the registry: the session is about to change or end.</summary>
    public Task SessionChanging(string token)
    {
        Changing(token);
        return Task.CompletedTask;
    }

    protected override void OpenSubscription() => self = cluster.CreateObjectReference<ISessionCacheObserver>(this);

    protected override void CloseSubscription()
    {
        if (self is not null)
            cluster.DeleteObjectReference<ISessionCacheObserver>(self);
    }

    protected override async Task<CopyGrant> Renew(int partition)
    {
        var granted = await cluster.GetGrain<ISessionCacheRegistryGrain>(partition).Subscribe(self!);
        return new CopyGrant(granted.Epoch, granted.WasSubscribed, granted.Partitions);
    }

    // The token is a secret: never logged.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying the look-up of a session once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string failure);
}

/// <summary>A session as this API process serves it: what the endpoints read (the view and the cart's JSON) and
/// the authentication's result (its principal), built once per answer of the grain and shared by the requests
/// it serves (none of them changes them), and when the copy stops being served: halfway between the answer and
/// the expiry it set, so never past the expiry.</summary>
public sealed record SessionCopy(CurrentSession Current, AuthenticateResult Authenticated, DateTimeOffset AskAgainBy);

public static class SessionCopiesSetup
{
    /// <summary>The copies of sessions, their subscription and their metrics.</summary>
    public static WebApplicationBuilder AddSessionCopies(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SessionCopiesOptions>().BindConfiguration(SessionCopiesOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddKeyedSingleton(SessionCopies.ClockKey, TimeProvider.System);
        builder.Services.AddSingleton<SessionCopies>();
        builder.Services.AddHostedService(s => s.GetRequiredService<SessionCopies>());
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(SessionCopies.MeterName));
        return builder;
    }
}
