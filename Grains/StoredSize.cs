namespace OrleansScale;

/// <summary>The arithmetic of the size bounds that every persisted state declares. Each state class (the
/// <c>T</c> of a grain's <c>[PersistentState]</c> parameter, and each document a grain writes through
/// <c>IGrainStorage</c> itself) states in its summary what bounds its stored document (a validation limit,
/// a setting, a cap) and gives the bound as a public static member named <see cref="MemberName"/>: a
/// constant, or a method of the options that set it. Tests check by reflection that every persisted state
/// declares one, and on a real database that the stored payload stays within it and stops growing.
/// Sizes are of the payload as the storage provider writes it (Orleans' JSON with type names for
/// <see cref="StorageNames.Main"/>), before the database compresses it.</summary>
public static class StoredSize
{
    /// <summary>The name of the bound every persisted state declares.</summary>
    public const string MemberName = "MaxStoredBytes";

    /// <summary>The most bytes one UTF-16 character of a string takes in a stored JSON document: a control
    /// character is written as an escape such as <c>\u0001</c>. (Other characters take 1–3 bytes in UTF-8,
    /// or 4 for a pair of surrogates.)</summary>
    public const int BytesPerChar = 6;

    /// <summary>What one stored object costs beyond its strings of user text: its type name, property names,
    /// punctuation, numbers, timestamps, flags and server-made ids (32 hex digits).</summary>
    public const int Object = 1_024;

    /// <summary>What one small record or collection entry costs that holds only server-made ids (32 hex
    /// digits), numbers and timestamps: a cart line, a friend, a price.</summary>
    public const int Entry = 256;
}
