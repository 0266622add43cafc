package dev.streamscore.monitoring;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.table.functions.AggregateFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.util.jackson.JacksonMapperFactory;

/**
 * {@code STREAMSCORE_PSI(value, 'udfs/models/<model>', 'feature')}: the population stability index of the
 * values in the group against the feature's distribution in the model's training data, stored in the
 * model's metadata ({@code drift}: decile edges and the training fraction per bin, NULL its own bin; the
 * feature name {@code (score)} is the model's score). PSI = sum over bins of (a - e) ln(a / e), both
 * fractions floored at 1e-4. The DuckDB replay computes it with the same steps
 * ({@code streamscore.monitoring.psi}).
 */
public class Psi extends AggregateFunction<Double, Psi.Counts> {
    static final double FLOOR = 1e-4;

    /** Rows per bin (the last bin: NULL), and which distribution they are compared with. */
    public static class Counts {
        public long[] counts;
        public String model;
        public String feature;
    }

    /** A feature's training distribution. */
    record Bins(double[] edges, double[] expected) { }

    private static final Map<String, Bins> BINS = new ConcurrentHashMap<>();
    private transient String projectRoot = "";

    @Override
    public void open(FunctionContext context) {
        projectRoot = context.getJobParameter("streamscore.project-root", "");
    }

    @Override
    public Counts createAccumulator() {
        return new Counts();
    }

    public void accumulate(Counts acc, Double value, String model, String feature) {
        Bins bins = bins(model, feature);
        if (acc.counts == null) {
            acc.counts = new long[bins.expected().length];
            acc.model = model;
            acc.feature = feature;
        }
        acc.counts[bin(bins.edges(), value)]++;
    }

    public void merge(Counts acc, Iterable<Counts> others) {
        for (Counts other : others) {
            if (other.counts == null) {
                continue;
            }
            if (acc.counts == null) {
                acc.counts = other.counts.clone();
                acc.model = other.model;
                acc.feature = other.feature;
            } else {
                for (int i = 0; i < acc.counts.length; i++) {
                    acc.counts[i] += other.counts[i];
                }
            }
        }
    }

    @Override
    public Double getValue(Counts acc) {
        if (acc.counts == null) {
            return null;
        }
        return psi(acc.counts, bins(acc.model, acc.feature).expected());
    }

    /** The bin of a value: how many edges are <= it; NULL and NaN: the last bin. */
    static int bin(double[] edges, Double value) {
        if (value == null || value.isNaN()) {
            return edges.length + 1;
        }
        int bin = 0;
        while (bin < edges.length && edges[bin] <= value) {
            bin++;
        }
        return bin;
    }

    static Double psi(long[] counts, double[] expected) {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        if (total == 0) {
            return null;
        }
        double sum = 0.0;
        for (int i = 0; i < counts.length; i++) {
            double actual = Math.max((double) counts[i] / total, FLOOR);
            double wanted = Math.max(expected[i], FLOOR);
            sum += (actual - wanted) * Math.log(actual / wanted);
        }
        return sum;
    }

    private Bins bins(String model, String feature) {
        String key = projectRoot + "\u0000" + model + "\u0000" + feature;
        return BINS.computeIfAbsent(key, k -> load(model, feature));
    }

    private Bins load(String model, String feature) {
        File base = new File(model);
        if (!base.isAbsolute() && !projectRoot.isEmpty()) {
            base = new File(projectRoot, model);
        }
        String path = base.getPath();
        File metadata = new File(path.endsWith(".txt") ? path.substring(0, path.length() - 4) + ".json"
                : path + ".json");
        try {
            JsonNode drift = JacksonMapperFactory.createObjectMapper().readTree(metadata).path("drift").path(feature);
            if (drift.isMissingNode()) {
                throw new IllegalArgumentException("STREAMSCORE_PSI: " + metadata + " has no training distribution of "
                        + feature + " (models trained by `streamscore train` carry one)");
            }
            double[] edges = new double[drift.get("edges").size()];
            for (int i = 0; i < edges.length; i++) {
                edges[i] = drift.get("edges").get(i).asDouble();
            }
            double[] expected = new double[drift.get("expected").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = drift.get("expected").get(i).asDouble();
            }
            return new Bins(edges, expected);
        } catch (IOException e) {
            throw new UncheckedIOException("STREAMSCORE_PSI: cannot read " + metadata, e);
        }
    }
}
