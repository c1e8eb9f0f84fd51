using System.Reflection;
using Orleans.Storage;
using OrleansScale.Activities;
using OrleansScale.Articles;
using OrleansScale.Catalog;
using OrleansScale.Jobs;
using OrleansScale.Products;
using OrleansScale.Users;

namespace OrleansScale.Tests.Storage;

/// <summary>The persisted states of the grains, found by reflection, and the size bound each declares.</summary>
public static class DeclaredBounds
{
    public static Assembly Grains { get; } = typeof(ProductGrain).Assembly;

    /// <summary>Grains that write documents through <see cref="IGrainStorage"/> themselves, which reflection
    /// cannot see: the documents each writes (legacy single documents they only read and delete are not
    /// written). A grain that takes <see cref="IGrainStorage"/> and is not listed here fails
    /// <see cref="PersistedStateBoundTests"/>.</summary>
    public static IReadOnlyDictionary<Type, Type[]> WrittenThroughStorage { get; } = new Dictionary<Type, Type[]>
    {
        [typeof(ActivityStreamGrain)] = [typeof(ActivityPageDocument), typeof(ActivityPageIndex)],
        [typeof(ActivityFeedGrain)] = [typeof(ActivityPageDocument), typeof(ActivityPageIndex)],
        [typeof(UserReviewsGrain)] = [],
        [typeof(ProductGrain)] = [],
        [typeof(AuthorArticlesGrain)] = [],
    };

    /// <summary>Documents whose bound is declared by their owner rather than on the class: activity pages
    /// are bounded by <c>ActivityPages.MaxStoredItems</c> (Grains/Activities/ActivityPages.cs).</summary>
    public static IReadOnlySet<Type> BoundByActivityPages { get; } = new HashSet<Type> { typeof(ActivityPageDocument), typeof(ActivityPageIndex) };

    public static IEnumerable<Type> GrainClasses() =>
        Grains.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(Grain).IsAssignableFrom(t));

    /// <summary>(grain, state name, state type) of every <c>[PersistentState]</c> constructor parameter.</summary>
    public static IEnumerable<(Type Grain, string Name, Type State)> PersistentStates() =>
        from grain in GrainClasses()
        from constructor in grain.GetConstructors()
        from parameter in constructor.GetParameters()
        let attribute = parameter.GetCustomAttribute<PersistentStateAttribute>()
        where attribute is not null
        select (grain, attribute.StateName, parameter.ParameterType.GetGenericArguments()[0]);

    /// <summary>The static <c>MaxStoredBytes</c> a state type declares, or null.</summary>
    public static MemberInfo? Bound(Type state) =>
        state.GetMember(StoredSize.MemberName, BindingFlags.Public | BindingFlags.Static).SingleOrDefault();

    /// <summary>The bound's value, the options it depends on taken from <paramref name="options"/>
    /// (default options where none is given).</summary>
    public static long Value(Type state, params object[] options)
    {
        switch (Bound(state))
        {
            case FieldInfo { IsLiteral: true } constant:
                return Convert.ToInt64(constant.GetRawConstantValue());
            case MethodInfo method:
                var arguments = method.GetParameters()
                    .Select(p => options.FirstOrDefault(p.ParameterType.IsInstanceOfType) ?? Activator.CreateInstance(p.ParameterType)!)
                    .ToArray();
                return Convert.ToInt64(method.Invoke(null, arguments));
            default:
                throw new InvalidOperationException($"{state.Name} declares no {StoredSize.MemberName}.");
        }
    }

    /// <summary>The bound of the stored document of each state name the application writes with JSON in the
    /// main storage, with the given options.</summary>
    public static IReadOnlyDictionary<string, long> ByStateName(params object[] options) =>
        PersistentStates().ToDictionary(s => s.Name, s => Value(s.State, options));

    /// <summary>An options object of a type the tests configure, so bounds use the test cluster's settings.</summary>
    public static object[] Options(FriendOptions friends, CatalogOptions catalog, ExportOptions exports) => [friends, catalog, exports];
}
