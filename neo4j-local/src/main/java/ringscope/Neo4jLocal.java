package ringscope;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs Neo4j Community as an embedded DBMS with Bolt on, until SIGTERM.
 *
 * Usage: Neo4jLocal HOME_DIR HOST PORT PAGECACHE
 * The initial password is read from the environment (NEO4J_LOCAL_PASSWORD) so it never shows in `ps`.
 * NEO4J_LOCAL_PLUGIN_DIR (optional) is a folder of procedure jars to register, with gds.* procedures
 * unrestricted: the GDS launcher built by `mvn -Pgds` (target-gds/) sets it to target-gds/plugins.
 */
public final class Neo4jLocal {
    private Neo4jLocal() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Neo4jLocal HOME_DIR HOST PORT PAGECACHE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        String pageCache = args[3];
        String password = System.getenv("NEO4J_LOCAL_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_LOCAL_PASSWORD must be set (8 characters or more)");
            System.exit(2);
        }
        Files.createDirectories(home);
        // Setting the password is the first Cypher statement the DBMS plans (about 3 s of each
        // start), so it runs only when the system database is new or the password changed since
        // the last start: the marker holds the password's SHA-256 and lives beside the data, so
        // a deleted database takes it along.
        Path marker = home.resolve("ringscope-password.sha256");
        boolean systemExists = Files.isDirectory(home.resolve("data").resolve("databases").resolve("system"));
        String digest = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
        boolean passwordSet = systemExists
                && Files.isRegularFile(marker)
                && Files.readString(marker).trim().equals(digest);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        String plugins = System.getenv("NEO4J_LOCAL_PLUGIN_DIR");
        if (plugins != null && !plugins.isBlank()) {
            builder.setConfig(GraphDatabaseSettings.plugin_dir, Path.of(plugins).toAbsolutePath())
                    .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("gds.*"));
        }
        DatabaseManagementService dbms = builder
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pageCache))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ZERO)
                // Analysts often run air-gapped: no anonymous usage reports to neo4j.com.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt's event loops are shut down after the databases have stopped and checkpointed;
                // Netty's default 5 s quiet period then only made every stop 5 s longer.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-local: shutting down");
            dbms.shutdown();
        }));

        // The embedded API runs with full rights, so it can set the password that Bolt clients must use.
        if (!passwordSet) {
            try {
                GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
                system.executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            } catch (RuntimeException e) {
                // The stored password already is this one (a marker lost, an older launcher).
                String message = String.valueOf(e.getMessage());
                if (!message.contains("cannot be the same")) {
                    System.err.println("neo4j-local: could not set the password: " + message);
                    System.exit(1);
                }
            }
            Files.writeString(marker, digest + "\n");
            try {
                // Owner-only, like var/local.env: a digest of a weak password is still a hint.
                Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the data directory's own permissions apply.
            }
        }

        System.out.println("neo4j-local: ready bolt://" + host + ":" + port + " home=" + home);
        System.out.flush();
        Thread.currentThread().join();
    }

    private static long parseBytes(String text) {
        String t = text.trim().toLowerCase();
        long unit = 1;
        if (t.endsWith("g")) { unit = 1L << 30; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("m")) { unit = 1L << 20; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("k")) { unit = 1L << 10; t = t.substring(0, t.length() - 1); }
        return Long.parseLong(t) * unit;
    }
}
