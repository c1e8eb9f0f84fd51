using System.Collections.Concurrent;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>An acknowledged review and what became of its activity (<c>review:{reviewId}</c>), which
/// background work posts to the author's stream and fans out to the author's friends' feeds.</summary>
public sealed class ReviewActivity(string activityId, int author, int product, DateTimeOffset reviewCreatedAt, TimeSpan ackedAt, Phase phase)
{
    int seen;

    public string ActivityId { get; } = activityId;
    public int Author { get; } = author;
    public int Product { get; } = product;

    /// <summary>The review's own createdAt (server clock). Its activity is made later, so the activity's
    /// createdAt is not earlier: an activity page whose oldest item is older than this must hold it.</summary>
    public DateTimeOffset ReviewCreatedAt { get; } = reviewCreatedAt;

    public TimeSpan AckedAt { get; } = ackedAt;

    /// <summary>The phase the review was acknowledged in; its feed lag is counted there.</summary>
    public Phase Phase { get; } = phase;

    /// <summary>True only for the first caller: the first sighting in a watched feed.</summary>
    public bool MarkSeen() => Interlocked.Exchange(ref seen, 1) == 0;

    public bool Seen => Volatile.Read(ref seen) == 1;
}

/// <summary>Which user has reviewed which product, as far as this driver knows. A product may be reviewed
/// once per user, so a new review needs a pair never tried; a pair whose attempt got no answer is
/// ambiguous (the review may exist) and may be tried again, where a 409 is then the right answer.</summary>
public sealed class ReviewLedger(ProductLedger products, int users)
{
    enum PairState { New, InFlight, Acknowledged, Ambiguous, Exists }

    const int RandomProbes = 32;

    readonly int[] pairs = new int[users * products.Count];
    readonly ConcurrentDictionary<string, ReviewActivity> byActivityId = new();
    readonly ConcurrentQueue<ReviewActivity>[] byAuthor =
        Enumerable.Range(0, users).Select(_ => new ConcurrentQueue<ReviewActivity>()).ToArray();

    public readonly record struct Reservation(int User, int Product, bool WasAmbiguous);

    /// <summary>A pair never tried or ambiguous, picked at random; false when probing found none free.</summary>
    public bool TryReserveAny(out Reservation reservation)
    {
        for (var probe = 0; probe < RandomProbes; probe++)
            if (TryReserve(Random.Shared.Next(users), Random.Shared.Next(products.Count), out reservation))
                return true;
        reservation = default;
        return false;
    }

    public bool TryReserve(int user, int product, out Reservation reservation)
    {
        ref var state = ref pairs[user * products.Count + product];
        foreach (var from in (ReadOnlySpan<PairState>)[PairState.New, PairState.Ambiguous])
        {
            if (Interlocked.CompareExchange(ref state, (int)PairState.InFlight, (int)from) == (int)from)
            {
                reservation = new Reservation(user, product, from == PairState.Ambiguous);
                return true;
            }
        }
        reservation = default;
        return false;
    }

    /// <summary>201: the review exists, and its activity is now expected in the author's stream and friends' feeds.</summary>
    public ReviewActivity Acknowledge(Reservation reservation, ReviewDocument review, TimeSpan ackedAt, Phase phase)
    {
        Settle(reservation, PairState.Acknowledged);
        products.ReviewKnown(reservation.Product);
        var activity = new ReviewActivity("review:" + review.Id, reservation.User, reservation.Product, review.CreatedAt, ackedAt, phase);
        byActivityId[activity.ActivityId] = activity;
        byAuthor[reservation.User].Enqueue(activity);
        return activity;
    }

    /// <summary>409 after an ambiguous attempt: the earlier attempt took effect, unacknowledged.</summary>
    public void Exists(Reservation reservation)
    {
        Settle(reservation, PairState.Exists);
        products.ReviewKnown(reservation.Product);
    }

    /// <summary>No answer, or one that says nothing of the attempt's fate: the review may exist.</summary>
    public void Ambiguous(Reservation reservation)
    {
        Volatile.Write(ref pairs[reservation.User * products.Count + reservation.Product], (int)PairState.Ambiguous);
        if (!reservation.WasAmbiguous)
            products.ReviewAmbiguous(reservation.Product, +1);
    }

    public ReviewActivity? Find(string activityId) => byActivityId.GetValueOrDefault(activityId);

    public IReadOnlyCollection<ReviewActivity> ByAuthor(int user) => byAuthor[user];

    public int Acknowledged => byActivityId.Count;

    void Settle(Reservation reservation, PairState state)
    {
        Volatile.Write(ref pairs[reservation.User * products.Count + reservation.Product], (int)state);
        if (reservation.WasAmbiguous)
            products.ReviewAmbiguous(reservation.Product, -1);
    }
}
