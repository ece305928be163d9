package ringscope.gds;

import java.util.Optional;

import org.neo4j.configuration.Config;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.OpenModelCatalog;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

/**
 * Wires the open-source Graph Data Science library (org.neo4j.gds, GPLv3, from Maven Central) into
 * the embedded DBMS.
 *
 * The GDS jars on Maven Central hold the procedures and their machinery but not the small
 * "open packaging" extension of the released plugin jar, which registers the component the
 * procedures are injected with. This is that extension, for the open edition: native writes only,
 * no metrics, models kept in memory and never stored. Only built with `mvn -Pgds` (see pom.xml);
 * the default launcher has no GDS.
 */
public final class OpenGdsExtension extends ExtensionFactory<OpenGdsExtension.Dependencies> {
    public OpenGdsExtension() {
        super("ringscope.gds.open");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies dependencies) {
        var log = new LogAccessor().getLog(dependencies.logService(), getClass());
        Config config = dependencies.config();
        var built = OpenGraphDataScienceExtensionBuilder.create(
                log,
                dependencies.globalProcedures(),
                config,
                (database, configuration) -> new NativeExportBuildersProvider(),
                new DefaultExportLocation(log, config),
                new FeatureTogglesRepository(),
                Metrics.DISABLED,
                new OpenModelCatalog(),
                model -> {
                    throw new UnsupportedOperationException("storing models needs GDS Enterprise");
                },
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        return built.getLeft().build();
    }

    /** What Neo4j hands the extension. */
    public interface Dependencies {
        Config config();

        GlobalProcedures globalProcedures();

        LogService logService();
    }
}
