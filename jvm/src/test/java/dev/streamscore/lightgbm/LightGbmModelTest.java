package dev.streamscore.lightgbm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LightGbmModelTest {
    // Tree 0: numerical split on x <= 1.5, missing type NaN (default left); tree 1: x in {1, 3} on y;
    // tree 2: z <= 0.5 with missing type Zero, default right.
    private static final String MODEL = String.join("\n",
            "tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "max_feature_idx=2",
            "objective=regression", "feature_names=x y z", "",
            "Tree=0", "num_leaves=2", "num_cat=0", "split_feature=0", "threshold=1.5", "decision_type=10",
            "left_child=-1", "right_child=-2", "leaf_value=0.25 0.75", "",
            "Tree=1", "num_leaves=2", "num_cat=1", "split_feature=1", "threshold=0", "decision_type=1",
            "left_child=-1", "right_child=-2", "leaf_value=10 20", "cat_boundaries=0 1", "cat_threshold=10", "",
            "Tree=2", "num_leaves=2", "num_cat=0", "split_feature=2", "threshold=0.5", "decision_type=4",
            "left_child=-1", "right_child=-2", "leaf_value=100 200", "",
            "end of trees", "");

    private final LightGbmModel model = LightGbmModel.parse(MODEL);

    @Test
    void numericalSplitsAndNanDefaultLeft() {
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1.0, 0, 0.1}));
        assertEquals(0.75 + 20 + 100, model.predict(new double[] {2.0, 0, 0.1}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {Double.NaN, 0, 0.1}));
    }

    @Test
    void categoricalMembershipByIntegerPart() {
        assertEquals(0.25 + 10 + 100, model.predict(new double[] {1, 1.9, 0.1}));
        assertEquals(0.25 + 10 + 100, model.predict(new double[] {1, 3, 0.1}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1, 2, 0.1}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1, -1, 0.1}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1, Double.NaN, 0.1}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1, 40, 0.1}));
    }

    @Test
    void zeroAsMissingGoesTheDefaultWay() {
        assertEquals(0.25 + 20 + 200, model.predict(new double[] {1, 0, 0.0}));
        assertEquals(0.25 + 20 + 200, model.predict(new double[] {1, 0, 1e-40}));
        assertEquals(0.25 + 20 + 200, model.predict(new double[] {1, 0, Double.NaN}));
        assertEquals(0.25 + 20 + 100, model.predict(new double[] {1, 0, 0.4}));
    }

    @Test
    void refusesWhatItCannotScore() {
        assertThrows(IllegalArgumentException.class, () -> model.predict(new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> LightGbmModel.parse("not a model"));
        assertThrows(IllegalArgumentException.class,
                () -> LightGbmModel.parse(MODEL.replace("num_tree_per_iteration=1", "num_tree_per_iteration=3")));
    }
}
