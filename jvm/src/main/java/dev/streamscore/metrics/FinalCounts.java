package dev.streamscore.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Each operator counter's value when its task ends, written to a JSON file ({@code path} in the reporter's
 * config). A bounded job's sources finish, and their counters leave Flink's REST API, long before the job
 * does: `streamscore run` reads its totals (records in and out, late rows dropped, model rows) from here.
 *
 * <p>The file maps "subtask\toperator\tmetric" to the count, the operator name as Flink gives it; it is
 * rewritten after every task that ends and once more, with {@code "__closed": 1}, when the cluster stops.
 */
public final class FinalCounts implements MetricReporter {

    /** Counters worth keeping: records in and out, rows dropped as late, streamscore's own. */
    static boolean wanted(String name) {
        return name.equals("numRecordsIn") || name.equals("numRecordsOut")
                || name.endsWith("ateRecordsDropped") || name.startsWith("streamscore_");
    }

    private final Map<Counter, String> live = new ConcurrentHashMap<>();
    private final Map<String, Long> ended = new TreeMap<>();
    private Path path;

    @Override
    public void open(MetricConfig config) {
        String where = config.getString("path", "");
        if (where.isEmpty()) {
            throw new IllegalArgumentException("streamscore's FinalCounts reporter needs a 'path'");
        }
        path = Paths.get(where);
    }

    @Override
    public void close() {
        write(true);
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> variables = group.getAllVariables();
        String operator = variables.get("<operator_name>");
        if (metric instanceof Counter && operator != null && wanted(name)) {
            live.put((Counter) metric, variables.getOrDefault("<subtask_index>", "0") + "\t" + operator + "\t" + name);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String key = live.remove(metric);
        if (key != null) {
            synchronized (ended) {
                ended.merge(key, ((Counter) metric).getCount(), Math::max);  // a restarted task counts anew
            }
            write(false);
        }
    }

    private void write(boolean closed) {
        StringBuilder json = new StringBuilder("{");
        synchronized (ended) {
            for (Map.Entry<String, Long> entry : ended.entrySet()) {
                json.append(json.length() > 1 ? ",\n" : "\n").append(quote(entry.getKey())).append(": ")
                        .append(entry.getValue());
            }
            if (closed) {
                json.append(json.length() > 1 ? ",\n" : "\n").append("\"__closed\": 1");
            }
        }
        json.append("\n}\n");
        try {  // whole files only: a reader never sees half of one
            Path partial = path.resolveSibling(path.getFileName() + ".partial");
            Files.write(partial, json.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** The factory Flink's metric registry instantiates (metrics.reporter.NAME.factory.class). */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new FinalCounts();
        }
    }
}
