package dev.streamscore.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinalCountsTest {

    /** A metric group of one operator subtask, as Flink's task metric groups describe themselves. */
    static final class OperatorGroup extends UnregisteredMetricsGroup {
        private final Map<String, String> variables;

        OperatorGroup(String operator, int subtask) {
            variables = Map.of("<operator_name>", operator, "<subtask_index>", Integer.toString(subtask));
        }

        @Override
        public Map<String, String> getAllVariables() {
            return variables;
        }
    }

    @Test
    void writesEachCounterWhenItsTaskEnds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("counts.json");
        MetricConfig config = new MetricConfig();
        config.setProperty("path", file.toString());
        FinalCounts reporter = new FinalCounts();
        reporter.open(config);
        OperatorGroup match = new OperatorGroup("Match[3]", 1);
        SimpleCounter late = new SimpleCounter();
        SimpleCounter other = new SimpleCounter();
        reporter.notifyOfAddedMetric(late, "numLateRecordsDropped", match);
        reporter.notifyOfAddedMetric(other, "numBytesIn", match);  // not a counter streamscore reads
        late.inc(13);
        assertFalse(Files.exists(file));
        reporter.notifyOfRemovedMetric(other, "numBytesIn", match);
        reporter.notifyOfRemovedMetric(late, "numLateRecordsDropped", match);
        late.inc(5);  // after its task ended: not counted
        String written = Files.readString(file);
        assertTrue(written.contains("\"1\\u0009Match[3]\\u0009numLateRecordsDropped\": 13"), written);
        assertFalse(written.contains("numBytesIn") || written.contains("__closed"), written);
        reporter.close();
        assertTrue(Files.readString(file).contains("\"__closed\": 1"));
    }

    @Test
    void quotesOperatorNamesAsJson() {
        assertEquals("\"a\\\"b\\\\c\\u0009d\"", FinalCounts.quote("a\"b\\c\td"));
    }
}
