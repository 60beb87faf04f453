/// Turns a kimage command line plus kimage.toml into the command line ArgumentParser parses, so
/// each subcommand declares its options once (its own flags) and the file needs no code in it.
package enum ConfigArguments {
    /// `arguments` is what follows the program name. `--config FILE` (anywhere before `--`) names
    /// the file and is removed; otherwise `kimage.toml` in the working directory is used when it
    /// exists. Returns the arguments with the file's entries inserted right after the subcommand.
    package static func expand(_ arguments: [String], fileExists: (String) -> Bool,
                              load: (String) throws -> KImageConfig) throws -> [String] {
        var args: [String] = []
        var configPath: String? = nil
        var i = 0
        var sawTerminator = false
        while i < arguments.count {
            let arg = arguments[i]
            if sawTerminator { args.append(arg); i += 1; continue }
            if arg == "--" { sawTerminator = true; args.append(arg); i += 1; continue }
            if arg == "--config" {
                guard i + 1 < arguments.count else { throw ConfigError.missingConfigPath }
                configPath = arguments[i + 1]
                i += 2
                continue
            }
            if arg.hasPrefix("--config=") {
                let value = String(arg.dropFirst("--config=".count))
                guard !value.isEmpty else { throw ConfigError.missingConfigPath }
                configPath = value
                i += 1
                continue
            }
            args.append(arg)
            i += 1
        }
        // The subcommand is the first argument that is not an option of the root command.
        guard let commandIndex = args.firstIndex(where: { !$0.hasPrefix("-") }),
              !ConfigTables.sectionNames(for: args[commandIndex]).isEmpty else { return args }
        let rest = Array(args[(commandIndex + 1)...])
        // --help and --version must work even when the file is broken.
        if rest.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "--experimental-dump-help" }) { return args }
        let path: String
        if let configPath {
            path = configPath
        } else if fileExists(KImageConfig.defaultFileName) {
            path = KImageConfig.defaultFileName
        } else {
            return args
        }
        let config = try load(path)
        let extra = config.arguments(for: args[commandIndex], userArguments: rest)
        return Array(args[...commandIndex]) + extra + rest
    }
}
