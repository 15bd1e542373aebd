using System.Reflection;
using ExternalDb.Adaptor.Conformance.Legacy;
using ExternalDb.Adaptor.Conformance.Targets;
using ExternalDb.Adaptor.Conformance.V3;

namespace ExternalDb.Adaptor.Conformance.SelfChecks;

/// <summary>
/// Proves the kit turns red on each known adaptor defect: the named conformance test is run against
/// the reference adaptor (SQLite) behind a <see cref="DefectProxy"/> that plants the defect, and must fail.
/// </summary>
public sealed class DefectDetectionChecks(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<Defect, string, string, string> Cases => new()
    {
        { Defect.FalseAndZeroStoredAsNull, "v3", nameof(V3ItemsTests), nameof(V3ItemsTests.False_zero_and_empty_string_round_trip_as_themselves_not_null) },
        { Defect.MillisecondsDropped, "v3", nameof(V3ItemsTests), nameof(V3ItemsTests.Dates_keep_milliseconds) },
        { Defect.MatchesNotAnchored, "v3", nameof(V3QueryTests), nameof(V3QueryTests.Matches_is_anchored_to_the_whole_value) },
        { Defect.PageSizeUnbounded, "v3", nameof(V3QueryTests), nameof(V3QueryTests.Limit_above_1000_is_VALIDATION_ERROR) },
        { Defect.UnknownOperatorAnswered500, "v3", nameof(V3QueryTests), nameof(V3QueryTests.Unknown_operator_is_VALIDATION_ERROR_not_500) },
        { Defect.ReferencesClaimedButNotImplemented, "v3", nameof(V3ReferencesTests), nameof(V3ReferencesTests.Advertised_reference_operations_are_implemented) },
        { Defect.FalseAndZeroStoredAsNull, "v2", nameof(LegacyDataTests), nameof(LegacyDataTests.False_zero_and_empty_string_round_trip_as_themselves_not_null) },
        { Defect.MillisecondsDropped, "v2", nameof(LegacyDataTests), nameof(LegacyDataTests.Dates_keep_milliseconds) },
        { Defect.MatchesNotAnchored, "v2", nameof(LegacyFilterTests), nameof(LegacyFilterTests.Matches_is_anchored_to_the_whole_value) },
        { Defect.PageSizeUnbounded, "v2", nameof(LegacyDataTests), nameof(LegacyDataTests.Find_with_limit_above_1000_is_400) },
        { Defect.UnknownOperatorAnswered500, "v2", nameof(LegacyFilterTests), nameof(LegacyFilterTests.Unknown_operator_is_400_not_500) },
        { Defect.NestedPathsIgnored, "v3", nameof(V3NestedFieldTests), nameof(V3NestedFieldTests.Eq_on_a_nested_string_matches_exactly) },
        { Defect.NestedPathsIgnored, "v3", nameof(V3NestedFieldTests), nameof(V3NestedFieldTests.Aggregation_groups_by_and_sums_nested_paths) },
        { Defect.NestedPathsIgnored, "v2", nameof(LegacyNestedFieldTests), nameof(LegacyNestedFieldTests.Filters_compare_nested_values_by_type) },
        { Defect.FailedIndexReportedActive, "v3", nameof(V3IndexTests), nameof(V3IndexTests.Unique_index_over_duplicate_values_is_FAILED_with_the_reason) },
        { Defect.FailedIndexReportedActive, "v2", nameof(LegacyIndexTests), nameof(LegacyIndexTests.Indexes_are_created_listed_and_removed) },
        { Defect.PatchLosesConcurrentIncrements, "v3", nameof(V3PatchTests), nameof(V3PatchTests.Concurrent_increments_are_never_lost) },
        { Defect.PatchLosesConcurrentIncrements, "v2", nameof(LegacyPatchTests), nameof(LegacyPatchTests.Concurrent_increments_are_never_lost) },
        { Defect.TypeChangeLossy, "v3", nameof(V3FieldTypeChangeTests), nameof(V3FieldTypeChangeTests.Text_that_is_not_a_number_refuses_the_change_naming_the_field_and_item_and_changes_nothing) },
    };

    [SkippableTheory, MemberData(nameof(Cases))]
    public async Task Planted_defect_turns_its_test_red(Defect defect, string protocol, string testClass, string testMethod)
    {
        Skip.If(ConformanceSettings.Current.IsExternal, "Self-check of the kit; runs only when the kit self-hosts the reference adaptor.");
        var upstream = await TargetRegistry.GetAsync("sqlite/" + protocol);
        await using var proxy = await DefectProxy.StartAsync(upstream, defect);
        var name = $"defect-{defect}/{protocol}";
        TargetRegistry.Register(upstream with { Name = name, BaseUrl = proxy.BaseUrl });

        var type = typeof(DefectDetectionChecks).Assembly.GetTypes().Single(t => t.Name == testClass);
        var fixtures = new List<IAsyncLifetime>();
        var constructor = type.GetConstructors().Single();
        var arguments = constructor.GetParameters().Select(p =>
        {
            var fixture = (IAsyncLifetime)Activator.CreateInstance(p.ParameterType)!;
            fixtures.Add(fixture);
            return (object)fixture;
        }).ToArray();
        var instance = constructor.Invoke(arguments);
        Exception? failure = null;
        try
        {
            await (Task)type.GetMethod(testMethod)!.Invoke(instance, [name])!;
        }
        catch (Exception e)
        {
            failure = e is TargetInvocationException { InnerException: not null } t ? t.InnerException : e;
        }
        finally
        {
            foreach (var fixture in fixtures)
            {
                await fixture.DisposeAsync();
            }
        }
        output.WriteLine($"{testClass}.{testMethod} on {defect}: {failure?.GetType().Name}: {failure?.Message}");
        Assert.True(failure is not null, $"{testClass}.{testMethod} passed although the adaptor had the defect {defect}.");
        Assert.False(failure is SkipException, $"{testClass}.{testMethod} skipped instead of failing on {defect}: {failure!.Message}");
    }
}
