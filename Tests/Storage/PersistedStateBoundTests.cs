using System.Reflection;
using Orleans.Storage;
using OrleansScale.Activities;

namespace OrleansScale.Tests.Storage;

/// <summary>Every persisted state declares how large its stored document can get (no cluster needed).</summary>
public sealed class PersistedStateBoundTests
{
    [Fact]
    public void Every_persistent_state_of_a_grain_declares_a_size_bound()
    {
        var states = DeclaredBounds.PersistentStates().ToList();

        Assert.NotEmpty(states);
        var undeclared = states.Where(s => DeclaredBounds.Bound(s.State) is null)
            .Select(s => $"{s.Grain.Name}: state \"{s.Name}\" ({s.State.Name})").ToList();
        Assert.True(undeclared.Count == 0,
            $"These persisted states declare no {StoredSize.MemberName} (a constant, or a static method of the options that set it): "
            + string.Join("; ", undeclared));
        Assert.All(states, s => Assert.InRange(DeclaredBounds.Value(s.State), 1, 64L * 1024 * 1024 * 1024));
    }

    [Fact]
    public void The_bound_is_a_constant_or_a_method_of_options_only()
    {
        foreach (var (grain, name, state) in DeclaredBounds.PersistentStates())
        {
            switch (DeclaredBounds.Bound(state))
            {
                case FieldInfo field:
                    Assert.True(field.IsLiteral, $"{state.Name}.{field.Name} must be a constant");
                    break;
                case MethodInfo method:
                    Assert.All(method.GetParameters(), p => Assert.EndsWith("Options", p.ParameterType.Name));
                    break;
                default:
                    Assert.Fail($"{grain.Name} state \"{name}\": {state.Name}.{StoredSize.MemberName} is neither a constant nor a method");
                    break;
            }
        }
    }

    [Fact]
    public void Every_grain_that_writes_through_grain_storage_itself_names_its_documents_and_each_declares_a_bound()
    {
        var direct = DeclaredBounds.GrainClasses()
            .Where(g => g.GetConstructors().SelectMany(c => c.GetParameters()).Any(p => p.ParameterType == typeof(IGrainStorage)))
            .ToHashSet();

        Assert.Equal(
            DeclaredBounds.WrittenThroughStorage.Keys.Select(t => t.Name).Order(),
            direct.Select(t => t.Name).Order());
        foreach (var document in DeclaredBounds.WrittenThroughStorage.Values.SelectMany(d => d).Distinct())
        {
            Assert.True(DeclaredBounds.Bound(document) is not null || DeclaredBounds.BoundByActivityPages.Contains(document),
                $"{document.Name} is written through IGrainStorage and declares no {StoredSize.MemberName}");
        }
        var pages = typeof(ActivityPageDocument).Assembly.GetType("OrleansScale.Activities.ActivityPages", throwOnError: true)!;
        Assert.NotNull(pages.GetProperty("MaxStoredItems"));
    }

    [Fact]
    public void The_states_named_in_the_storage_table_are_exactly_the_grains_persistent_states()
    {
        // docs/operations.md lists each of these with its bound; a new persisted state belongs there too.
        string[] documented =
        [
            "article", "catalog-listing-registry", "credentials", "friends", "job", "product", "session", "user", "user-exports",
        ];

        Assert.Equal(documented.Order(), DeclaredBounds.PersistentStates().Select(s => s.Name).Distinct().Order());
    }
}
