using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ExternalDb.Server.Adaptors;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Tests;

/// <summary>A resolver with fixed answers that records every name it is asked; the answers may change (DNS rebinding).</summary>
public sealed class RecordingResolver : IHostResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _asked = new();

    public IReadOnlyList<string> Asked => [.. _asked];

    public RecordingResolver Answer(string host, params string[] addresses)
    {
        _answers[host] = [.. addresses.Select(IPAddress.Parse)];
        return this;
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        _asked.Enqueue(host);
        return _answers.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}

/// <summary>The egress policy's rules, checked on parsed addresses, and its settings' validation.</summary>
public sealed class EgressPolicyTests
{
    private static EgressPolicy Policy(Action<EgressOptions>? configure = null, IHostResolver? resolver = null)
    {
        var options = new EgressOptions();
        configure?.Invoke(options);
        return new EgressPolicy(Options.Create(options), resolver ?? new RecordingResolver());
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%2")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("::169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("100.100.100.200")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("ff02::1")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    public void By_default_link_local_metadata_unspecified_multicast_and_broadcast_addresses_are_refused(string address)
    {
        Assert.NotNull(Policy().Check("adaptor.example.com", IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.20")]
    [InlineData("100.64.0.1")]
    [InlineData("fd12:3456::1")]
    [InlineData("93.184.216.34")]
    [InlineData("2606:2800:220:1::1")]
    [InlineData("64:ff9b::5db8:d822")]
    public void By_default_loopback_private_and_public_addresses_are_allowed(string address)
    {
        Assert.Null(Policy().Check("adaptor.example.com", IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    public void Loopback_can_be_denied_with_one_setting(string address)
    {
        var why = Policy(o => o.AllowLoopback = false).Check("h", IPAddress.Parse(address));

        Assert.NotNull(why);
        Assert.Contains("Adaptors:Egress:AllowLoopback", why, StringComparison.Ordinal);
        Assert.Null(Policy(o => o.AllowLoopback = false).Check("h", IPAddress.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Private_networks_can_be_denied_with_one_setting(string address)
    {
        var why = Policy(o => o.AllowPrivateNetworks = false).Check("h", IPAddress.Parse(address));

        Assert.NotNull(why);
        Assert.Contains("Adaptors:Egress:AllowPrivateNetworks", why, StringComparison.Ordinal);
        Assert.Null(Policy(o => o.AllowPrivateNetworks = false).Check("h", IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public void An_allowed_network_opens_a_default_refusal_and_a_denied_network_wins_over_it()
    {
        var allowed = Policy(o => o.AllowedNetworks = ["169.254.10.0/24"]);
        var both = Policy(o => (o.AllowedNetworks, o.DeniedNetworks) = (["10.0.0.0/8"], ["10.9.0.0/16"]));

        Assert.Null(allowed.Check("h", IPAddress.Parse("169.254.10.5")));
        Assert.NotNull(allowed.Check("h", IPAddress.Parse("169.254.169.254")));
        Assert.Null(both.Check("h", IPAddress.Parse("10.1.0.1")));
        Assert.Contains("Adaptors:Egress:DeniedNetworks", both.Check("h", IPAddress.Parse("10.9.1.1")), StringComparison.Ordinal);
        Assert.NotNull(both.Check("h", IPAddress.Parse("::ffff:10.9.1.1")));
    }

    [Fact]
    public void Allow_lists_make_everything_else_refused_but_never_open_what_the_address_rules_refuse()
    {
        var policy = Policy(o => o.AllowedHosts = ["adaptor.example.com", "*.adaptors.example.com"]);

        Assert.Null(policy.Check("adaptor.example.com", IPAddress.Parse("93.184.216.34")));
        Assert.Null(policy.Check("crm.adaptors.example.com", IPAddress.Parse("93.184.216.34")));
        Assert.NotNull(policy.Check("adaptors.example.com", IPAddress.Parse("93.184.216.34")));
        Assert.NotNull(policy.Check("other.example.com", IPAddress.Parse("93.184.216.34")));
        Assert.NotNull(policy.Check("adaptor.example.com", IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public async Task A_denied_host_is_refused_without_being_resolved()
    {
        var resolver = new RecordingResolver().Answer("adaptor.example.com", "93.184.216.34");
        var policy = Policy(o => o.DeniedHosts = ["Adaptor.Example.COM."], resolver);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => policy.ResolveAsync("adaptor.example.com", CancellationToken.None));

        Assert.Contains("Adaptors:Egress:DeniedHosts", refused.Message, StringComparison.Ordinal);
        Assert.Empty(resolver.Asked);
    }

    [Fact]
    public async Task A_name_is_refused_when_any_of_its_addresses_is()
    {
        var resolver = new RecordingResolver().Answer("mixed.test", "93.184.216.34", "169.254.169.254");

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => Policy(resolver: resolver).ResolveAsync("mixed.test", CancellationToken.None));

        Assert.StartsWith("The egress policy refused mixed.test: it resolves to a link-local", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("169.254", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("0x7f000001")]
    [InlineData("2130706433")]
    [InlineData("017700000001")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST.")]
    public async Task Every_spelling_of_loopback_is_refused_when_loopback_is_denied(string host)
    {
        var resolver = new RecordingResolver().Answer("localhost", "127.0.0.1", "::1");

        await Assert.ThrowsAsync<EgressRefusedException>(() => Policy(o => o.AllowLoopback = false, resolver).ResolveAsync(host, CancellationToken.None));
    }

    [Fact]
    public async Task Numeric_spellings_are_not_sent_to_the_resolver()
    {
        var resolver = new RecordingResolver();

        var addresses = await Policy(resolver: resolver).ResolveAsync("2130706433", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("127.0.0.1")], addresses);
        Assert.Empty(resolver.Asked);
    }

    [Theory]
    [InlineData("AllowedNetworks", "10.0.0.300/8")]
    [InlineData("AllowedNetworks", "10.0.0.1/8")]
    [InlineData("DeniedNetworks", "10.0.0.0")]
    [InlineData("DeniedNetworks", "fd00::/129")]
    [InlineData("DeniedNetworks", "nonsense")]
    [InlineData("AllowedHosts", "10.0.0.1")]
    [InlineData("DeniedHosts", "bad host")]
    [InlineData("DeniedHosts", "[::1]")]
    public void A_bad_entry_fails_validation_naming_the_setting_and_its_index(string setting, string entry)
    {
        var options = new EgressOptions();
        var list = (List<string>)typeof(EgressOptions).GetProperty(setting)!.GetValue(options)!;
        list.Add("192.168.0.0/16");
        list.Add(entry);
        list[0] = setting.EndsWith("Hosts", StringComparison.Ordinal) ? "ok.example.com" : list[0];

        var result = new EgressOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"Adaptors:Egress:{setting}:1 ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Good_entries_pass_validation()
    {
        var options = new EgressOptions
        {
            AllowedNetworks = ["10.0.0.0/8", "fd00::/8", "192.0.2.7/32"],
            DeniedNetworks = ["10.9.0.0/16"],
            AllowedHosts = ["adaptor.example.com", "*.example.org"],
            DeniedHosts = ["metadata.google.internal"],
        };

        Assert.True(new EgressOptionsValidator().Validate(null, options).Succeeded);
    }
}
