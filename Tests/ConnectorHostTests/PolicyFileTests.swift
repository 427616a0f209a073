import ConnectorHost
import Testing

/// The operator's configuration file for `serve`: what each key sets, in which
/// layer, and that every unknown key and bad value is refused with its path.
@Suite(.timeLimit(.minutes(1))) struct PolicyFileTests {
    @Test func everyKeySetsItsSettingInItsLayer() throws {
        let policy = try PolicyFile(yaml: """
            defaults:
              timeout_seconds: 10
              max_retries: 1
              memory_limit_mib: 2048
              idle_timeout_seconds: 60
              lone_call_spin_microseconds: 50
            plugins:
              tracker:
                timeout_seconds: 0.25
                max_retries: 0
                retry_delay_seconds: 2
                retry_backoff: linear
                retry_jitter: true
                retry_backoff_cap_seconds: 8
                rate_limit_per_minute: 600
                max_concurrent_calls: 4
                circuit_breaker_threshold: 3
                circuit_breaker_recovery_seconds: 12
                memory_limit_mib: 0
                cpu_limit_seconds: 120
                open_files_limit: 64
                idle_timeout_seconds: 0
                lone_call_spin_microseconds: 250
                warm: true
                trusted: true
              quiet:
            """, source: "serve.yaml")
        var base = HostConfiguration(pluginDirectory: "plugins")
        base.warmPlugins = ["other"]
        let configuration = policy.applied(to: base)

        #expect(configuration.resilience.timeout == .seconds(10))
        #expect(configuration.resilience.maxRetries == 1)
        #expect(configuration.sandbox.resources.memoryLimitMiB == 2048)
        #expect(configuration.sandbox.idleTimeout == .seconds(60))
        #expect(configuration.sandbox.loneCallSpin == .microseconds(50))

        let tracker = try #require(configuration.pluginResilience["tracker"])
        #expect(tracker.timeout == .milliseconds(250))
        #expect(tracker.maxRetries == 0)
        #expect(tracker.retryDelay == .seconds(2))
        #expect(tracker.backoff == .linear)
        #expect(tracker.jitter == true)
        #expect(tracker.backoffCap == .seconds(8))
        #expect(tracker.rateLimitPerMinute == 600)
        #expect(tracker.maxConcurrentCalls == 4)
        #expect(tracker.breakerThreshold == 3)
        #expect(tracker.breakerRecovery == .seconds(12))
        let sandbox = try #require(configuration.pluginSandbox["tracker"])
        #expect(sandbox.resources.memoryLimitMiB == nil, "0 is no limit")
        #expect(sandbox.resources.cpuLimitSeconds == 120)
        #expect(sandbox.resources.openFilesLimit == 64)
        #expect(sandbox.idleTimeout == nil, "0 is never")
        #expect(sandbox.loneCallSpin == .microseconds(250))
        #expect(configuration.warmPlugins == ["other", "tracker"])
        #expect(configuration.trustedPlugins == ["tracker"])

        // A plugin's empty section takes the defaults, its worker included.
        #expect(configuration.pluginResilience["quiet"] == ResilienceOverrides())
        #expect(configuration.pluginSandbox["quiet"]?.resources.memoryLimitMiB == 2048)
        #expect(configuration.pluginSandbox["quiet"]?.loneCallSpin == .microseconds(50))
    }

    @Test func settingsOfTheCommandLineStayUnlessTheFileSetsThem() throws {
        var base = HostConfiguration(pluginDirectory: "plugins")
        base.trustedPlugins = ["tracker", "echo"]
        var allowed = base.sandbox
        allowed.allowedHosts = ["example.org:443"]
        base.pluginSandbox["echo"] = allowed
        let configuration = try PolicyFile(yaml: """
            defaults: {open_files_limit: 32}
            plugins:
              tracker: {trusted: false}
            """, source: "serve.yaml").applied(to: base)
        #expect(configuration.trustedPlugins == ["echo"])
        #expect(configuration.pluginSandbox["echo"]?.allowedHosts == ["example.org:443"])
        #expect(configuration.pluginSandbox["echo"]?.resources.openFilesLimit == 32, "defaults reach plugins with settings of their own")
        #expect(configuration.sandbox.resources.memoryLimitMiB == HostConfiguration(pluginDirectory: "p").sandbox.resources.memoryLimitMiB)
    }

    @Test(arguments: [
        ("plugins:\n  tracker:\n    timeout_secs: 5\n", "plugins.tracker.timeout_secs: is not a setting"),
        ("default:\n  timeout_seconds: 5\n", "default: is not a setting"),
        ("defaults:\n  warm: true\n", "defaults.warm: is not a setting"),
        ("defaults:\n  timeout_seconds: 0\n", "defaults.timeout_seconds: must be a number of seconds above 0"),
        ("defaults:\n  timeout_seconds: fast\n", "defaults.timeout_seconds: must be a number of seconds above 0 and at most 86400, got \"fast\""),
        ("plugins:\n  tracker:\n    rate_limit_per_minute: 0\n", "plugins.tracker.rate_limit_per_minute: must be a whole number from 1"),
        ("plugins:\n  tracker:\n    max_retries: 1.5\n", "plugins.tracker.max_retries: must be a whole number from 0"),
        ("plugins:\n  tracker:\n    retry_backoff: quadratic\n", "plugins.tracker.retry_backoff: must be none, linear or exponential"),
        ("plugins:\n  tracker:\n    warm: yes please\n", "plugins.tracker.warm: must be true or false"),
        ("defaults:\n  lone_call_spin_microseconds: 20000\n", "defaults.lone_call_spin_microseconds: must be a whole number from 0 to 10000"),
        ("defaults:\n  lone_call_spin_microseconds: 2.5\n", "defaults.lone_call_spin_microseconds: must be a whole number"),
        ("plugins:\n  tracker: 5\n", "plugins.tracker: must be a mapping, got a"),
        ("plugins: [tracker]\n", "plugins: must be a mapping, got a"),
        ("- tracker\n", "the file: must be a mapping"),
    ])
    func aBadKeyOrValueIsRefusedWithItsPath(text: String, expected: String) {
        #expect {
            try PolicyFile(yaml: text, source: "serve.yaml")
        } throws: { error in
            guard let error = error as? ConnectorHostError else { return false }
            return error.code == .invalidRequest && error.message.hasPrefix("serve.yaml: ") && error.message.contains(expected)
        }
    }

    @Test func everyProblemIsListed() {
        #expect {
            try PolicyFile(yaml: "defaults:\n  timeout: 5\n  max_retries: -1\n", source: "serve.yaml")
        } throws: { error in
            let message = (error as? ConnectorHostError)?.message ?? ""
            return message.contains("2 settings are not valid") && message.contains("defaults.timeout:")
                && message.contains("defaults.max_retries:")
        }
    }

    @Test func anEmptyFileSetsNothing() throws {
        let base = HostConfiguration(pluginDirectory: "plugins")
        let configuration = try PolicyFile(yaml: "", source: "serve.yaml").applied(to: base)
        #expect(configuration.resilience == base.resilience)
        #expect(configuration.pluginResilience.isEmpty && configuration.pluginSandbox.isEmpty)
    }

    @Test func aMissingFileIsNotFound() {
        #expect {
            try PolicyFile(contentsOf: "/nonexistent/serve.yaml")
        } throws: { error in
            (error as? ConnectorHostError)?.code == .notFound
        }
    }
}
