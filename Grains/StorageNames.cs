namespace OrleansScale;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>Write-through storage of every grain's document, in Postgres.</summary>
    public const string Main = "main";
}
