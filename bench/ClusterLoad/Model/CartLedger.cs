using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>What the cart of one setup session should hold. Only the holder of the session's key (one
/// request in flight per session) reads or changes it, so it needs no lock of its own.</summary>
public sealed class CartModel(string[] productPool)
{
    readonly Dictionary<string, int> lines = [];
    readonly HashSet<string> unknown = [];

    /// <summary>The few products this session's cart changes draw from, so carts stay small.</summary>
    public string[] ProductPool { get; } = productPool;

    public IReadOnlyDictionary<string, int> Lines => lines;

    /// <summary>A product line whose change got no answer: the change may still be applied later (the
    /// request can outlive our timeout inside the cluster), so the line is never used or compared again.</summary>
    public bool IsUnknown(string productId) => unknown.Contains(productId);

    public void MarkUnknown(string productId)
    {
        unknown.Add(productId);
        lines.Remove(productId);
    }

    public void Set(string productId, int quantity)
    {
        if (quantity == 0)
            lines.Remove(productId);
        else
            lines[productId] = quantity;
    }

    /// <summary>Ok when the served cart equals the model (lines of unknown fate aside); else wrong, and the
    /// served cart becomes the model, so one fault is counted once.</summary>
    public Outcome Verify(CartDocument cart, string what)
    {
        if (Mismatch(cart) is not { } differences)
            return Outcome.Ok;
        Adopt(cart);
        return Outcome.Wrong($"cart differs from the acknowledged one: {what}: {differences}");
    }

    /// <summary>Where the cart as served differs from the model (lines of unknown fate aside); null when it does not.</summary>
    public string? Mismatch(CartDocument cart)
    {
        var served = new Dictionary<string, int>();
        foreach (var line in cart.Items ?? [])
            if (line?.ProductId is { } id && !unknown.Contains(id))
                served[id] = line.Quantity;
        var differences = lines.Where(l => served.GetValueOrDefault(l.Key) != l.Value)
            .Select(l => $"{l.Key} expected {l.Value}, served {(served.TryGetValue(l.Key, out var q) ? q : "none")}")
            .Concat(served.Where(s => !lines.ContainsKey(s.Key)).Select(s => $"{s.Key} expected none, served {s.Value}"))
            .ToList();
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    void Adopt(CartDocument cart)
    {
        lines.Clear();
        foreach (var line in cart.Items ?? [])
            if (line?.ProductId is { } id && !unknown.Contains(id))
                lines[id] = line.Quantity;
    }
}

/// <summary>The carts of the setup sessions, one per user, each changed by one request at a time.</summary>
public sealed class CartLedger
{
    const int PoolSize = 6;

    readonly CartModel[] carts;

    public CartLedger(int sessions, string[] productIds)
    {
        carts = Enumerable.Range(0, sessions)
            .Select(_ => new CartModel(Random.Shared.GetItems(productIds, Math.Min(PoolSize, productIds.Length)).Distinct().ToArray()))
            .ToArray();
        Sessions = new KeyLocks(sessions);
    }

    public KeyLocks Sessions { get; }

    public CartModel this[int session] => carts[session];
}
