using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>The bodies this driver writes: realistic in size (a product is ~0.5 KB before reviews), valid
/// under the API's rules, and each carrying a name that says which write made it.</summary>
public static class SampleContent
{
    static readonly string[] Categories = ["books", "music", "games", "garden", "kitchen", "toys", "tools", "sports"];

    static readonly string Filler = string.Concat(Enumerable.Repeat("Sturdy, well made and good value. ", 8));

    /// <summary>Product number <paramref name="index"/> as written by its <paramref name="write"/>th write (0: created).</summary>
    public static ProductBody Product(string runTag, int index, int write) => new(
        Name: $"{runTag} product {index} w{write}",
        Description: $"Product {index} of load run {runTag}. {Filler}",
        Category: Categories[index % Categories.Length],
        Prices: [new PriceBody("USD", 1 + index % 1000 + 0.99m + write % 7), new PriceBody("EUR", 1 + index % 900 + 0.49m)],
        Pictures: [$"https://img.example.com/{runTag}/{index}/1.jpg"]);

    public static ReviewBody Review(int user, int product) =>
        new(1 + (user + product) % 5, $"Review by user {user} of product {product}: {Filler}");

    public static ArticleBody Article(string slug, long version) => new(
        $"Article {slug}, edit {version}",
        $"# {slug}\n\nEdit {version}. Written by the load driver.\n\n* one\n* two\n\n{Filler}\n\n[more](https://example.com/{slug})\n");

    public static NewUserBody User(string userName, string password) => new(userName, userName, password);
}
