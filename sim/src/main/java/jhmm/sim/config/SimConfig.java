package jhmm.sim.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configuration of a simulation: reference.conf (every key, commented, with its default),
 * under the user's files and single keys. A key the reference does not have is refused, so that
 * a typo never passes silently as a setting that does nothing.
 */
public final class SimConfig {
    private static final String REFERENCE = "jhmm/sim/reference.conf";

    private final Config config;

    private SimConfig(Config config) {
        this.config = config;
    }

    public static SimConfig reference() {
        return new SimConfig(ConfigFactory.parseResources(SimConfig.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve());
    }

    /**
     * This configuration under the keys of the HOCON file {@code file}.
     *
     * @throws IllegalArgumentException naming the file (and line) for a file that cannot be read
     *     or parsed, or that sets a key the reference does not know
     */
    public SimConfig withFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        Config over;
        try {
            over = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return under(over, file.toString());
    }

    /**
     * This configuration with {@code key} set to {@code value} (parsed as HOCON would: a number,
     * a size such as 4GiB, a word).
     *
     * @throws IllegalArgumentException for a key the reference does not know, or a value that is not one
     */
    public SimConfig with(String key, String value) {
        String full = key.startsWith("jhmm.sim.") ? key : "jhmm.sim." + key;
        Config over;
        try {
            over = ConfigFactory.parseString(full + " = " + value);
        } catch (ConfigException e) {
            try {
                over = ConfigFactory.empty().withValue(full, ConfigValueFactory.fromAnyRef(value));
            } catch (ConfigException bad) {
                throw new IllegalArgumentException("--set " + key + "=" + value + ": " + bad.getMessage());
            }
        }
        return under(over, "--set " + key);
    }

    private SimConfig under(Config over, String source) {
        for (var entry : over.entrySet()) {
            if (!config.hasPath(entry.getKey())) {
                throw new IllegalArgumentException(source + ": " + entry.getKey() + " is not a setting (see jhmm sim --settings)");
            }
        }
        return new SimConfig(over.withFallback(config).resolve());
    }

    public Config config() {
        return config;
    }

    /** reference.conf as shipped, comments included: what every key means and where its default comes from. */
    public static String referenceText() {
        try (var in = SimConfig.class.getClassLoader().getResourceAsStream(REFERENCE)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
