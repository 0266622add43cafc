package dev.streamscore.lightgbm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A LightGBM model read from LightGBM's text format, scored the way LightGBM 4.x predicts.
 *
 * <p>Thresholds come from the model text (dump_model() writes infinite thresholds as 1e300, which
 * misroutes rows). Routing follows LightGBM's tree.h: |x| <= 1e-35f is zero; NaN is 0.0 unless the
 * split's missing type is NaN; Zero/NaN missing values follow default_left; categorical splits test
 * membership of the value's integer part, NaN and negatives go right. Trees are flattened into arrays.
 */
public final class LightGbmModel {
    private static final double ZERO_THRESHOLD = 1e-35f;
    private static final int CATEGORICAL = 1;
    private static final int DEFAULT_LEFT = 2;
    private static final int MISSING_ZERO = 1;
    private static final int MISSING_NAN = 2;

    private final String[] featureNames;
    private final String objective;
    private final double sigmoid;
    private final boolean averageOutput;
    private final Tree[] trees;

    /** How a node decides, worked out once at load (the per-row path then has one compare for most nodes). */
    private static final byte NUMERICAL = 0;     // value <= threshold; NaN goes the precomputed way
    private static final byte ZERO_MISSING = 1;  // 0 and NaN are missing: the default way; else compare
    private static final byte CATEGORY = 2;

    private static final class Tree {
        int[] feature;
        double[] threshold;
        int[] left;
        int[] right;
        double[] leafValue;
        int[] catBoundaries;
        int[] catBits;
        byte[] kind;
        // where NaN goes: the default side (missing type NaN or Zero), or 0.0's side (missing type None:
        // LightGBM reads NaN as 0 there)
        boolean[] nanLeft;

        void decide(int[] decision) {
            kind = new byte[decision.length];
            nanLeft = new boolean[decision.length];
            for (int i = 0; i < decision.length; i++) {
                int type = decision[i];
                int missing = (type >> 2) & 3;
                boolean defaultLeft = (type & DEFAULT_LEFT) != 0;
                if ((type & CATEGORICAL) != 0) {
                    kind[i] = CATEGORY;
                } else if (missing == MISSING_ZERO) {
                    kind[i] = ZERO_MISSING;
                    nanLeft[i] = defaultLeft;
                } else {
                    kind[i] = NUMERICAL;
                    nanLeft[i] = missing == MISSING_NAN ? defaultLeft : 0.0 <= threshold[i];
                }
            }
        }

        /** The leaf value for {@code row}, whose values with |x| <= 1e-35 are already exactly 0.0. */
        double predict(double[] row) {
            if (left.length == 0) {
                return leafValue[0];
            }
            int node = 0;
            do {
                double value = row[feature[node]];
                boolean goLeft;
                switch (kind[node]) {
                    case NUMERICAL:
                        goLeft = value <= threshold[node] || (value != value && nanLeft[node]);
                        break;
                    case ZERO_MISSING:
                        goLeft = value == 0.0 || value != value ? nanLeft[node] : value <= threshold[node];
                        break;
                    default:
                        goLeft = categoryLeft(node, value);
                }
                node = goLeft ? left[node] : right[node];
            } while (node >= 0);
            return leafValue[~node];
        }

        private boolean categoryLeft(int node, double value) {
            if (Double.isNaN(value)) {
                return false;
            }
            int category = (int) value; // C++ static_cast<int>: truncation toward zero
            if (category < 0) {
                return false;
            }
            int set = (int) threshold[node];
            int start = catBoundaries[set];
            int words = catBoundaries[set + 1] - start;
            int word = category / 32;
            return word < words && ((catBits[start + word] >>> (category % 32)) & 1) != 0;
        }
    }

    private LightGbmModel(String[] featureNames, String objective, double sigmoid, boolean averageOutput,
                          Tree[] trees) {
        this.featureNames = featureNames;
        this.objective = objective;
        this.sigmoid = sigmoid;
        this.averageOutput = averageOutput;
        this.trees = trees;
    }

    public static LightGbmModel load(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        try {
            return parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    public static LightGbmModel parse(String text) {
        String[] lines = text.split("\n");
        Map<String, String> header = new HashMap<>();
        List<Map<String, String>> treeBlocks = new ArrayList<>();
        Map<String, String> current = header;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.equals("end of trees")) {
                break;
            }
            if (line.startsWith("Tree=")) {
                current = new HashMap<>();
                treeBlocks.add(current);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq > 0) {
                current.put(line.substring(0, eq), line.substring(eq + 1));
            } else if (!line.isEmpty() && current == header && !line.equals("tree")) {
                current.put(line, "");
            }
        }
        if (!header.containsKey("feature_names") || !header.containsKey("objective")) {
            throw new IllegalArgumentException("not a LightGBM text model (no feature_names/objective header)");
        }
        if (!"1".equals(header.getOrDefault("num_tree_per_iteration", "1"))) {
            throw new IllegalArgumentException("multiclass models are not supported by the JVM scorer");
        }
        String[] objectiveParts = header.get("objective").split(" ");
        double sigmoid = 1.0;
        for (String part : objectiveParts) {
            if (part.startsWith("sigmoid:")) {
                sigmoid = Double.parseDouble(part.substring("sigmoid:".length()));
            }
        }
        Tree[] trees = new Tree[treeBlocks.size()];
        for (int i = 0; i < trees.length; i++) {
            trees[i] = tree(treeBlocks.get(i), i);
        }
        return new LightGbmModel(header.get("feature_names").split(" "), objectiveParts[0], sigmoid,
                header.containsKey("average_output"), trees);
    }

    private static Tree tree(Map<String, String> block, int index) {
        if ("1".equals(block.get("is_linear"))) {
            throw new IllegalArgumentException("tree " + index + " is a linear tree: not supported by the JVM scorer");
        }
        Tree tree = new Tree();
        int leaves = Integer.parseInt(block.getOrDefault("num_leaves", "1"));
        tree.leafValue = doubles(block.get("leaf_value"));
        if (leaves <= 1) {
            tree.left = new int[0];
            return tree;
        }
        tree.feature = ints(block.get("split_feature"));
        tree.threshold = doubles(block.get("threshold"));
        int[] decision = ints(block.get("decision_type"));
        tree.left = ints(block.get("left_child"));
        tree.right = ints(block.get("right_child"));
        tree.catBoundaries = ints(block.get("cat_boundaries"));
        tree.catBits = ints(block.get("cat_threshold"));
        if (tree.leafValue.length != leaves || tree.left.length != leaves - 1 || decision.length != leaves - 1
                || tree.threshold.length != leaves - 1 || tree.feature.length != leaves - 1) {
            throw new IllegalArgumentException("tree " + index + " is malformed (" + leaves + " leaves)");
        }
        tree.decide(decision);
        return tree;
    }

    private static double[] doubles(String values) {
        if (values == null || values.isEmpty()) {
            return new double[0];
        }
        String[] parts = values.split(" ");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parseDouble(parts[i]);
        }
        return out;
    }

    private static double parseDouble(String text) {
        switch (text) {
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            case "nan": case "-nan": return Double.NaN;
            default: return Double.parseDouble(text);
        }
    }

    private static int[] ints(String values) {
        if (values == null || values.isEmpty()) {
            return new int[0];
        }
        String[] parts = values.split(" ");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            // cat_threshold holds unsigned 32-bit words
            out[i] = (int) Long.parseLong(parts[i]);
        }
        return out;
    }

    public String[] featureNames() {
        return featureNames.clone();
    }

    public int numFeatures() {
        return featureNames.length;
    }

    /** The sum of the trees' leaf values, in model order (bit-equal to LightGBM's raw score). Sets values
     * with |x| <= 1e-35f to 0.0 in {@code row} itself, as LightGBM's predictor does before the trees. */
    public double rawScore(double[] row) {
        for (int i = 0; i < row.length; i++) {
            double v = row[i];
            if (!(Math.abs(v) > ZERO_THRESHOLD || Double.isNaN(v))) {
                row[i] = 0.0;
            }
        }
        double sum = 0.0;
        for (Tree tree : trees) {
            sum += tree.predict(row);
        }
        return averageOutput && trees.length > 0 ? sum / trees.length : sum;
    }

    /** What LightGBM's predict() returns: the raw score through the objective's output function (tiny values
     * in {@code row} are set to zero on the way, see {@link #rawScore}). */
    public double predict(double[] row) {
        if (row.length != featureNames.length) {
            throw new IllegalArgumentException("the model takes " + featureNames.length + " features, got " + row.length);
        }
        double raw = rawScore(row);
        switch (objective) {
            case "binary":
                return 1.0 / (1.0 + Math.exp(-sigmoid * raw));
            case "cross_entropy":
            case "xentropy":
                return 1.0 / (1.0 + Math.exp(-raw));
            case "poisson":
            case "gamma":
            case "tweedie":
                return Math.exp(raw);
            default:
                return raw;
        }
    }
}
