using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansScale.Bench.ClusterLoad.Api;

// The parts of the API's bodies this driver sends or checks (docs/API.md); fields it does not check are
// left out, so reading a product does not build its reviews. Source-generated: no reflection per request.

public sealed record ProblemDocument(string? Type, string? Title, int? Status);

public sealed record PriceBody(string Currency, decimal Amount);

public sealed record ProductBody(string Name, string Description, string Category, PriceBody[] Prices, string[] Pictures);

public sealed record RatingDocument(int Count);

public sealed record ProductDocument(string Id, string Name, long Version, RatingDocument? Rating);

public sealed record ReviewBody(int Rating, string Text);

public sealed record ReviewDocument(string Id, string UserId, DateTimeOffset CreatedAt);

public sealed record NewUserBody(string UserName, string DisplayName, string Password);

public sealed record UserDocument(string Id, string UserName);

public sealed record SignInBody(string UserName, string Password);

public sealed record SessionCreatedDocument(string SessionId, string UserId);

public sealed record SessionDocument(string UserId, string UserName);

public sealed record CartLineBody(int Quantity);

public sealed record CartLineDocument(string ProductId, int Quantity);

public sealed record CartDocument(CartLineDocument[] Items);

public sealed record ActivityDocument(string Id, string UserId, string Kind, DateTimeOffset CreatedAt);

public sealed record ActivityPageDocument(ActivityDocument[] Items, string? Next);

public sealed record ArticleBody(string Title, string Markdown);

public sealed record ArticleAcceptedDocument(string Slug, int Version);

public sealed record ArticleDocument(string Slug, string AuthorId, int Version, int RenderedVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProblemDocument), TypeInfoPropertyName = "Problem")]
[JsonSerializable(typeof(ProductBody))]
[JsonSerializable(typeof(ProductDocument))]
[JsonSerializable(typeof(ReviewBody))]
[JsonSerializable(typeof(ReviewDocument))]
[JsonSerializable(typeof(NewUserBody))]
[JsonSerializable(typeof(UserDocument))]
[JsonSerializable(typeof(SignInBody))]
[JsonSerializable(typeof(SessionCreatedDocument))]
[JsonSerializable(typeof(SessionDocument))]
[JsonSerializable(typeof(CartLineBody))]
[JsonSerializable(typeof(CartDocument))]
[JsonSerializable(typeof(ActivityPageDocument))]
[JsonSerializable(typeof(ArticleBody))]
[JsonSerializable(typeof(ArticleAcceptedDocument))]
[JsonSerializable(typeof(ArticleDocument))]
public sealed partial class ApiJson : JsonSerializerContext;
