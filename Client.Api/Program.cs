using OrleansScale.Api.Articles;
using OrleansScale.Api.Catalog;
using OrleansScale.Api.Activities;
using OrleansScale.Api.Admission;
using OrleansScale.Api.Cluster;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Jobs;
using OrleansScale.Api.Products;
using OrleansScale.Api.Queue;
using OrleansScale.Api.Sessions;
using OrleansScale.Api.Users;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansScaleClient();      // Orleans client, clustering in Postgres
builder.AddSharedListenPort();        // opt-in SO_REUSEPORT, so a new API process can take over a port without a gap
builder.AddApiDefaults();             // problem details, limits, health, metrics
builder.AddTracing();                 // OpenTelemetry traces over OTLP, only when an endpoint is configured
builder.AddSessionAuthentication();   // the session grain behind the sid cookie or bearer token
builder.AddSessionCopies();           // copies of sessions, kept exact by the grains' announcements and leases
builder.AddDashboardAccess();         // the Orleans Dashboard, loopback or administrators only
builder.AddAdministratorAccount();    // the administrator from Admin:UserName / Admin:Password
builder.AddWriteAdmission();         // writes in flight from this server follow its read latency; the rest wait or get 503
builder.AddQueueMonitoring();         // the queue on /api/cluster and /metrics; refuses new background work while it lags
builder.AddProductNearCache();        // copies of product aggregates, kept exact by the grains' announcements and leases
builder.AddApiDocument();             // the OpenAPI document of every route

var app = builder.Build();
app.UseApiDefaults();
app.UseWriteRefusal();                // writes that would find the line full are refused before their session is looked up
app.UseAuthentication();
app.UseAuthorization();
app.UseReadLatency();                 // what the write admission watches
var api = app.MapGroup("").AddEndpointFilter<RetryTransientFailuresFilter>();
api.MapUsersApi();
api.MapFriendsApi();
api.MapActivitiesApi();
api.MapSessionsApi();
api.MapClusterApi();
api.MapArticlesApi();
api.MapJobsApi();
api.MapCatalogApi();
app.MapProductsApi();                 // its reads retry inside the near cache, its writes only when rejected
app.MapDashboard();
app.MapApiDocument();                 // /openapi/v1.json and the interactive reference at /api/docs
app.Run();

public partial class Program;
