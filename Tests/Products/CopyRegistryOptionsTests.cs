using System.ComponentModel.DataAnnotations;
using OrleansScale.Caching;
using OrleansScale.Products;
using OrleansScale.Sessions;

namespace OrleansScale.Tests.Products;

/// <summary>The registries' partition count is checked where the silos bind it: its range lives on the shared
/// base class of both kinds' options.</summary>
public sealed class CopyRegistryOptionsTests
{
    public static TheoryData<CopyRegistryOptions> Kinds() => [new ProductCacheRegistryOptions(), new SessionCacheRegistryOptions()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Eight_partitions_by_default_and_none_or_more_than_1024_refused(CopyRegistryOptions options)
    {
        Assert.Equal(8, options.RegistryPartitions);
        Assert.True(Valid(options));
        options.RegistryPartitions = 0;
        Assert.False(Valid(options));
        options.RegistryPartitions = 1025;
        Assert.False(Valid(options));
        options.RegistryPartitions = 1024;
        Assert.True(Valid(options));
    }

    static bool Valid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);
}
