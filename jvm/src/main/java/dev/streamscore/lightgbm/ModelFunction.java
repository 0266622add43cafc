package dev.streamscore.lightgbm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.metrics.Counter;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.InputTypeStrategies;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.util.jackson.JacksonMapperFactory;

/**
 * A streamscore model function ({@code streamscore.models.model_function} in udfs/) scored in the JVM:
 * {@code STREAMSCORE_MODEL('spec', f1, f2, ...)} returns a ROW of the function's outputs (score, label,
 * version, error), as the Python function does, with the same rules:
 * <ul>
 *   <li>the model file and its metadata ({@code <model>.json}: version, features, the model file's SHA-256);
 *       a model file without metadata is versioned by its hash;</li>
 *   <li>NULL features are missing values; an infinite feature cannot be scored: with an {@code error} output
 *       the row carries the reason (other outputs NULL), without one the call fails;</li>
 *   <li>hot reload: every {@code reload_seconds} the metadata file (written last) is checked; a new version
 *       that takes the same features replaces the old one, anything else is refused and the old one keeps
 *       scoring.</li>
 * </ul>
 * Spec: {@code {"name", "model_file", "metadata_file", "outputs": [...], "threshold", "reload_seconds"}}.
 * Metrics (as the Python function's): streamscore_model_rows, streamscore_model_micros,
 * streamscore_rows_rejected; and streamscore_model_version (the version serving, when it is a number).
 */
public class ModelFunction extends ScalarFunction {
    static final List<String> OUTPUTS = List.of("score", "label", "version", "error");

    /** A model version being served. */
    record Served(LightGbmModel model, String version, String[] features, String stamp) { }

    /** The parsed spec. */
    record Spec(String name, Path modelFile, Path metadataFile, List<String> outputs, double threshold,
                double reloadSeconds) {
        static Spec parse(String text) {
            try {
                JsonNode node = MAPPER.readTree(text);
                List<String> outputs = new ArrayList<>();
                node.get("outputs").forEach(o -> outputs.add(o.asText()));
                for (String output : outputs) {
                    if (!OUTPUTS.contains(output)) {
                        throw new IllegalArgumentException("output '" + output + "' is not scored in the JVM");
                    }
                }
                return new Spec(node.get("name").asText(), Path.of(node.get("model_file").asText()),
                        Path.of(node.get("metadata_file").asText()), outputs,
                        node.path("threshold").asDouble(0.5), node.path("reload_seconds").asDouble(5));
            } catch (IOException e) {
                throw new IllegalArgumentException("bad STREAMSCORE_MODEL spec: " + e.getMessage(), e);
            }
        }

        DataType outputType() {
            List<DataTypes.Field> fields = new ArrayList<>();
            for (String output : outputs) {
                DataType type = output.equals("score") ? DataTypes.DOUBLE()
                        : output.equals("label") ? DataTypes.BOOLEAN() : DataTypes.STRING();
                fields.add(DataTypes.FIELD(output, type));
            }
            return DataTypes.ROW(fields.toArray(new DataTypes.Field[0])).bridgedTo(RowData.class);
        }
    }

    private static final ObjectMapper MAPPER = JacksonMapperFactory.createObjectMapper();

    /** One model this instance serves (Flink may share an instance between the calls of several models). */
    private static final class Slot {
        final Spec spec;
        Served served;
        long checkedAt;

        Slot(Spec spec, Served served, long checkedAt) {
            this.spec = spec;
            this.served = served;
            this.checkedAt = checkedAt;
        }
    }

    private transient Map<String, Slot> slots;
    private transient String lastSpecText;
    private transient Slot last;
    private transient double[] row;
    private transient Counter scored;
    private transient Counter micros;
    private transient Counter rejected;
    private transient long pendingNanos;

    @Override
    public void open(FunctionContext context) {
        scored = context.getMetricGroup().counter("streamscore_model_rows");
        micros = context.getMetricGroup().counter("streamscore_model_micros");
        rejected = context.getMetricGroup().counter("streamscore_rows_rejected");
        // the version serving now, as a number (Prometheus gauges are numbers): NaN for a hash version
        context.getMetricGroup().gauge("streamscore_model_version", () -> last == null ? Double.NaN
                : versionNumber(last.served.version()));
    }

    static double versionNumber(String version) {
        try {
            return Double.parseDouble(version);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    public RowData eval(String specText, Double... features) {
        long now = System.nanoTime();
        if (specText != lastSpecText) {
            if (!specText.equals(lastSpecText)) {  // another model than the last call's
                if (slots == null) {
                    slots = new HashMap<>();
                }
                last = slots.computeIfAbsent(specText, text -> {
                    Spec parsed = Spec.parse(text);
                    return new Slot(parsed, load(parsed, null), now);
                });
            }
            lastSpecText = specText;
        }
        if (last.spec.reloadSeconds() >= 0 && now - last.checkedAt >= (long) (last.spec.reloadSeconds() * 1e9)) {
            last.checkedAt = now;
            last.served = maybeReload(last.spec, last.served);
        }
        Spec spec = last.spec;
        Served served = last.served;
        long started = System.nanoTime();  // scoring time: loading a version is not counted per row
        if (row == null || row.length != features.length) {
            row = new double[features.length];
        }
        String error = null;
        for (int i = 0; i < features.length; i++) {
            double value = features[i] == null ? Double.NaN : features[i];
            if (Double.isInfinite(value)) {
                error = (error == null ? "infinite feature " : error + ", ") + featureName(served, i);
            }
            row[i] = value;
        }
        GenericRowData out = new GenericRowData(spec.outputs().size());
        if (error != null) {
            if (!spec.outputs().contains("error")) {
                throw new IllegalArgumentException("model " + spec.name() + " cannot score 1 row(s): " + error
                        + " (add 'error' to the function's outputs to route such rows to a dead-letter sink)");
            }
            out.setField(spec.outputs().indexOf("error"), StringData.fromString(error));
            count(rejected, 1);
        } else {
            double score = served.model().predict(row);
            for (int i = 0; i < spec.outputs().size(); i++) {
                switch (spec.outputs().get(i)) {
                    case "score": out.setField(i, score); break;
                    case "label": out.setField(i, score >= spec.threshold()); break;
                    case "version": out.setField(i, StringData.fromString(served.version())); break;
                    default: break;  // error: NULL
                }
            }
        }
        count(scored, 1);
        pendingNanos += System.nanoTime() - started;
        if (pendingNanos >= 1000 && micros != null) {
            micros.inc(pendingNanos / 1000);
            pendingNanos %= 1000;
        }
        return out;
    }

    private static void count(Counter counter, long n) {
        if (counter != null) {
            counter.inc(n);
        }
    }

    private static String featureName(Served served, int i) {
        String[] names = served.features();
        return i < names.length ? names[i] : "#" + (i + 1);
    }

    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        return TypeInference.newBuilder()
                .inputTypeStrategy(InputTypeStrategies.varyingSequence(
                        InputTypeStrategies.explicit(DataTypes.STRING()),
                        InputTypeStrategies.explicit(DataTypes.DOUBLE())))
                .outputTypeStrategy(call -> {
                    String text = call.getArgumentValue(0, String.class).orElseThrow(() -> call.newValidationError(
                            "STREAMSCORE_MODEL needs its spec as a string literal"));
                    return Optional.of(Spec.parse(text).outputType());
                })
                .build();
    }

    /** The version in the files now; {@code current} is kept (and the reason printed) when it cannot be used. */
    static Served load(Spec spec, Served current) {
        try {
            String stamp = stamp(spec);
            byte[] bytes = Files.readAllBytes(spec.modelFile());
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            LightGbmModel model = LightGbmModel.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            String version = digest.substring(0, 12);
            String[] features = model.featureNames();
            if (Files.exists(spec.metadataFile())) {
                JsonNode meta = MAPPER.readTree(spec.metadataFile().toFile());
                String described = meta.path("model_sha256").asText("");
                if (!described.isEmpty() && !described.equals(digest)) {
                    throw new IllegalStateException(spec.metadataFile().getFileName() + " describes another model "
                            + "file than " + spec.modelFile().getFileName() + " (a new version being written?)");
                }
                version = meta.path("version").asText(version);
                List<String> names = new ArrayList<>();
                meta.path("features").forEach(f -> names.add(f.path("name").asText()));
                if (!names.equals(List.of(features))) {
                    throw new IllegalStateException("the model's features " + List.of(features) + " differ from "
                            + spec.metadataFile().getFileName() + "'s " + names);
                }
            }
            return new Served(model, version, features, stamp);
        } catch (IOException | RuntimeException | NoSuchAlgorithmException e) {
            if (current == null) {
                throw new IllegalStateException("model " + spec.name() + ": " + e.getMessage(), e);
            }
            System.err.println("streamscore: not reloading " + spec.name() + ": " + e.getMessage());
            return current;
        }
    }

    static Served maybeReload(Spec spec, Served current) {
        String stamp;
        try {
            stamp = stamp(spec);
        } catch (IOException e) {
            return current;  // mid-write: keep scoring with the old one
        }
        if (stamp.equals(current.stamp())) {
            return current;
        }
        Served candidate = load(spec, current);
        if (candidate == current) {
            return current;
        }
        if (!List.of(candidate.features()).equals(List.of(current.features()))) {
            System.err.println("streamscore: not reloading " + spec.name() + ": version " + candidate.version()
                    + " takes other features (" + String.join(", ", candidate.features()) + ")");
            return new Served(current.model(), current.version(), current.features(), stamp);
        }
        System.err.println("streamscore: " + spec.name() + ": version " + current.version() + " -> "
                + candidate.version());
        return candidate;
    }

    /** The metadata file's (written last) modification time and size, or the model file's without one. */
    private static String stamp(Spec spec) throws IOException {
        Path file = Files.exists(spec.metadataFile()) ? spec.metadataFile() : spec.modelFile();
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS) + ":" + attributes.size();
    }
}
