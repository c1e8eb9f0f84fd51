using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansScale.Api.Sessions;
using OrleansScale.Caching;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Sessions;

/// <summary>The API processes' copies of sessions: served without a grain call, and never after a change the
/// session grain acknowledged.</summary>
public sealed class SessionCopyTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_signed_in_read_of_a_copied_session_asks_no_grain()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var b = fixture.ApiB.WithToken(user.Token);
        await AwaitCopied(fixture.ApiB, b);

        var copies = Copies(fixture.ApiB);
        var misses = copies.Misses;
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/api/sessions/current/cart")).StatusCode);
        Assert.Equal(misses, copies.Misses);
    }

    [Fact]
    public async Task A_sign_out_on_one_clone_is_refused_by_the_other_as_soon_as_it_is_answered()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var a = fixture.ApiA.WithToken(user.Token);
        using var b = fixture.ApiB.WithToken(user.Token);
        await AwaitCopied(fixture.ApiB, b);

        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync("/api/sessions/current")).StatusCode);
        await (await b.GetAsync("/api/sessions/current/cart")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_cart_change_on_one_clone_is_read_by_the_other_as_soon_as_it_is_answered()
    {
        using var admin = await fixture.ApiA.Admin();
        var book = (await admin.CreateProduct(ProductApi.Body("Book"))).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var a = fixture.ApiA.WithToken(user.Token);
        using var b = fixture.ApiB.WithToken(user.Token);
        await AwaitCopied(fixture.ApiB, b);

        Assert.Equal(HttpStatusCode.OK, (await a.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 2 })).StatusCode);
        Assert.Equal([(book, 2)], await Cart(b));
        await AwaitCopied(fixture.ApiB, b);
        Assert.Equal(HttpStatusCode.OK, (await a.DeleteAsync($"/api/sessions/current/cart/{book}")).StatusCode);
        Assert.Empty(await Cart(b));
    }

    [Fact]
    public async Task A_session_in_use_asks_its_grain_again_halfway_to_its_expiry_and_the_expiry_slides()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var b = fixture.ApiB.WithToken(user.Token);
        await AwaitCopied(fixture.ApiB, b);
        var before = await ExpiresAt(b);

        var copies = Copies(fixture.ApiB);
        var misses = copies.Misses;
        var idle = new SessionOptions().IdleTimeout;
        ClusterFixture.Clock.Advance(idle / 2 + TimeSpan.FromSeconds(1));
        var slid = await ExpiresAt(b);
        Assert.Equal(misses + 1, copies.Misses);
        Assert.True(slid > before, $"the expiry {slid:O} did not slide past {before:O}");
        // Still a copy: the next read asks no grain.
        Assert.Equal(slid, await ExpiresAt(b));
        Assert.Equal(misses + 1, copies.Misses);
    }

    [Fact]
    public async Task A_copy_is_not_served_past_the_expiry_it_holds()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var b = fixture.ApiB.WithToken(user.Token);
        await AwaitCopied(fixture.ApiB, b);

        ClusterFixture.Clock.Advance(new SessionOptions().IdleTimeout + TimeSpan.FromMinutes(1));
        await (await b.GetAsync("/api/sessions/current/cart")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    static async Task<DateTimeOffset> ExpiresAt(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/sessions/current")).GetProperty("expiresAt").GetDateTimeOffset();

    internal static SessionCopies Copies(ApiFactory api) => api.Services.GetRequiredService<SessionCopies>();

    /// <summary>Reads the cart until a read is answered from the copy, so the next read proves the copy was dropped.</summary>
    internal static Task AwaitCopied(ApiFactory api, HttpClient http)
    {
        var copies = Copies(api);
        return Await.Until(async () =>
        {
            var before = copies.Hits;
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions/current/cart")).StatusCode);
            return copies.Hits - before;
        }, gained => gained > 0, Patience, "the session copied");
    }

    internal static async Task<List<(string, int)>> Cart(HttpClient http)
    {
        var cart = await http.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart");
        return cart.GetProperty("items").EnumerateArray()
            .Select(l => (l.GetProperty("productId").GetString()!, l.GetProperty("quantity").GetInt32())).ToList();
    }
}

/// <summary>Its own cluster: it kills a silo.</summary>
public sealed class SessionCopyFailoverFixture : ClusterFixture;

public sealed class SessionCopyFailoverTests(SessionCopyFailoverFixture fixture) : IClassFixture<SessionCopyFailoverFixture>
{
    [Fact]
    public async Task A_sign_out_made_while_the_registry_restarted_is_refused_by_every_clone_once_it_is_answered()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var a = fixture.ApiA.WithToken(user.Token);
        using var b = fixture.ApiB.WithToken(user.Token);
        await SessionCopyTests.AwaitCopied(fixture.ApiB, b);

        // Kill the silo of the token's registry partition: its successor knows no subscribers, so the sign-out
        // is announced to nobody, while clone B may still hold a lease from the dead one.
        var grains = fixture.Cluster.Client;
        var partition = CopyPartition.Of(user.Token, new SessionCacheRegistryOptions().RegistryPartitions);
        var registryHost = await grains.GetGrain<IManagementGrain>(0)
            .GetActivationAddress(grains.GetGrain<ISessionCacheRegistryGrain>(partition));
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(registryHost)));
        // A sign-out sent to the killed silo before the cluster noticed fails (503); it is sent again until
        // it is answered.
        await Await.Until(() => a.DeleteAsync("/api/sessions/current"),
            signedOut => signedOut.StatusCode == HttpStatusCode.NoContent, SessionCopyTests.Patience, "the sign-out after the kill");

        // The first read after the answer, not a later one, must be refused.
        await (await b.GetAsync("/api/sessions/current/cart")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await a.GetAsync("/api/sessions/current/cart")).AssertProblem(HttpStatusCode.Unauthorized);
    }
}
