package dev.streamscore.lightgbm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The {@code lightgbm} model provider behind {@code CREATE MODEL ... WITH ('provider' = 'lightgbm', 'path' = ...)}
 * and {@code ML_PREDICT}: a LightGBM text model scored in the JVM (FLIP-525's ModelProviderFactory SPI).
 *
 * <p>'path' names the model file, with or without its {@code .txt} suffix; a relative path is resolved against
 * the {@code streamscore.project-root} setting when given (streamscore sets it), else the working directory.
 * The INPUT columns are the model's features in order (numeric types; NULL is a missing value), the OUTPUT is
 * one DOUBLE: the score.
 */
public class LightGbmModelProviderFactory implements ModelProviderFactory {
    public static final String IDENTIFIER = "lightgbm";
    public static final ConfigOption<String> PATH = ConfigOptions.key("path").stringType().noDefaultValue()
            .withDescription("The LightGBM model file (text format), with or without its .txt suffix.");
    public static final ConfigOption<String> VERSION = ConfigOptions.key("version").stringType().noDefaultValue()
            .withDescription("The model version the job expects (informational).");
    public static final ConfigOption<String> PROJECT_ROOT = ConfigOptions.key("streamscore.project-root")
            .stringType().noDefaultValue().withDescription("Folder that relative model paths start from.");

    private static final Set<LogicalTypeRoot> NUMERIC = Set.of(LogicalTypeRoot.TINYINT, LogicalTypeRoot.SMALLINT,
            LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT, LogicalTypeRoot.FLOAT, LogicalTypeRoot.DOUBLE,
            LogicalTypeRoot.DECIMAL, LogicalTypeRoot.BOOLEAN);

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(PATH);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(VERSION);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        ResolvedCatalogModel model = context.getCatalogModel();
        Map<String, String> options = model.getOptions();
        String name = context.getObjectIdentifier().asSummaryString();
        String path = options.get(PATH.key());
        if (path == null || path.isBlank()) {
            throw new ValidationException("model " + name + ": the 'path' option names the LightGBM model file");
        }
        Path file = resolve(path, context.getConfiguration().getOptional(PROJECT_ROOT).orElse(null));
        List<Column> inputs = model.getResolvedInputSchema().getColumns();
        LogicalType[] types = new LogicalType[inputs.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = inputs.get(i).getDataType().getLogicalType();
            if (!NUMERIC.contains(types[i].getTypeRoot())) {
                throw new ValidationException("model " + name + ": INPUT column " + inputs.get(i).getName()
                        + " has type " + types[i] + "; LightGBM features are numbers");
            }
        }
        List<Column> outputs = model.getResolvedOutputSchema().getColumns();
        if (outputs.size() != 1 || outputs.get(0).getDataType().getLogicalType().getTypeRoot() != LogicalTypeRoot.DOUBLE) {
            throw new ValidationException("model " + name + ": OUTPUT must be one DOUBLE column (the score)");
        }
        LightGbmModel loaded = LightGbmPredict.model(file.toString()); // fails here, before the job, if unreadable
        if (loaded.numFeatures() != types.length) {
            throw new ValidationException("model " + name + ": INPUT has " + types.length + " columns, the model file "
                    + file + " takes " + loaded.numFeatures() + " features: " + String.join(", ", loaded.featureNames()));
        }
        return new LightGbmModelProvider(file.toString(), types);
    }

    static Path resolve(String path, String root) {
        Path given = Path.of(path);
        Path base = given.isAbsolute() || root == null ? given : Path.of(root).resolve(given);
        Path withSuffix = Path.of(base + ".txt");
        if (!Files.exists(base) && Files.exists(withSuffix)) {
            return withSuffix;
        }
        if (!Files.exists(base)) {
            throw new ValidationException("LightGBM model file " + base + " (or " + withSuffix + ") does not exist");
        }
        return base;
    }
}
