package dev.streamscore.lightgbm;

import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;
import org.apache.flink.table.types.logical.LogicalType;

/** Creates the predict function of one LightGBM model: its file and its input column types. */
public class LightGbmModelProvider implements PredictRuntimeProvider {
    private final String path;
    private final LogicalType[] inputTypes;

    public LightGbmModelProvider(String path, LogicalType[] inputTypes) {
        this.path = path;
        this.inputTypes = inputTypes;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new LightGbmPredictFunction(path, inputTypes);
    }

    @Override
    public ModelProvider copy() {
        return new LightGbmModelProvider(path, inputTypes.clone());
    }
}
