package dev.streamscore.monitoring;

import java.util.Arrays;
import org.apache.flink.table.functions.AggregateFunction;

/**
 * {@code STREAMSCORE_AUC(score, label)}: the area under the ROC curve of the scores against the labels in
 * the group (window, segment): the probability that a positive row scores above a negative one, ties
 * counting one half (Mann-Whitney, average ranks). NULL scores or labels are left out; NULL when the group
 * has no positive or no negative row. The DuckDB replay computes it with the same steps
 * ({@code streamscore.monitoring.auc}), so both engines give the same double.
 */
public class Auc extends AggregateFunction<Double, Auc.Scores> {

    /** The scores seen so far, split by label. */
    public static class Scores {
        public double[] positives = new double[16];
        public int positiveCount;
        public double[] negatives = new double[16];
        public int negativeCount;
    }

    @Override
    public Scores createAccumulator() {
        return new Scores();
    }

    public void accumulate(Scores acc, Double score, Boolean label) {
        if (score == null || label == null || score.isNaN()) {
            return;
        }
        if (label) {
            if (acc.positiveCount == acc.positives.length) {
                acc.positives = Arrays.copyOf(acc.positives, acc.positives.length * 2);
            }
            acc.positives[acc.positiveCount++] = score;
        } else {
            if (acc.negativeCount == acc.negatives.length) {
                acc.negatives = Arrays.copyOf(acc.negatives, acc.negatives.length * 2);
            }
            acc.negatives[acc.negativeCount++] = score;
        }
    }

    public void merge(Scores acc, Iterable<Scores> others) {
        for (Scores other : others) {
            for (int i = 0; i < other.positiveCount; i++) {
                accumulate(acc, other.positives[i], true);
            }
            for (int i = 0; i < other.negativeCount; i++) {
                accumulate(acc, other.negatives[i], false);
            }
        }
    }

    @Override
    public Double getValue(Scores acc) {
        return auc(Arrays.copyOf(acc.positives, acc.positiveCount), Arrays.copyOf(acc.negatives, acc.negativeCount));
    }

    /** AUC from the positives' rank sum: (R - n+(n+ + 1)/2) / (n+ n-), ranks averaged over ties. */
    static Double auc(double[] positives, double[] negatives) {
        int p = positives.length;
        int n = negatives.length;
        if (p == 0 || n == 0) {
            return null;
        }
        double[] all = new double[p + n];
        boolean[] positive = new boolean[p + n];
        Integer[] order = new Integer[p + n];
        for (int i = 0; i < p; i++) {
            all[i] = positives[i];
            positive[i] = true;
        }
        System.arraycopy(negatives, 0, all, p, n);
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
        double rankSum = 0.0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && all[order[j + 1]] == all[order[i]]) {
                j++;
            }
            double rank = (i + j + 2) / 2.0;  // 1-based ranks i+1..j+1, averaged
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    rankSum += rank;
                }
            }
            i = j + 1;
        }
        return (rankSum - p * (p + 1.0) / 2.0) / ((double) p * n);
    }
}
