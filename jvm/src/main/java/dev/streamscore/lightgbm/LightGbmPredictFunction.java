package dev.streamscore.lightgbm;

import java.util.Collection;
import java.util.List;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * ML_PREDICT's function for a LightGBM model: the feature row (NULL as a missing value) to one row holding the
 * score. The model is shared by path and reloaded when its file changes (a new version goes live without a
 * restart).
 */
public class LightGbmPredictFunction extends PredictFunction {
    private final String path;
    private final LogicalType[] inputTypes;
    private transient double[] row;

    public LightGbmPredictFunction(String path, LogicalType[] inputTypes) {
        this.path = path;
        this.inputTypes = inputTypes;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        LightGbmPredict.model(path); // a model that cannot load fails the task at start, not on its first row
        row = new double[inputTypes.length];
    }

    @Override
    public Collection<RowData> predict(RowData features) {
        LightGbmModel model = LightGbmPredict.model(path); // shared by path, a new file picked up within 2 s
        for (int i = 0; i < row.length; i++) {
            row[i] = features.isNullAt(i) ? Double.NaN : value(features, i, inputTypes[i]);
        }
        return List.of(GenericRowData.of(model.predict(row)));
    }

    private static double value(RowData features, int i, LogicalType type) {
        switch (type.getTypeRoot()) {
            case TINYINT: return features.getByte(i);
            case SMALLINT: return features.getShort(i);
            case INTEGER: return features.getInt(i);
            case BIGINT: return features.getLong(i);
            case FLOAT: return features.getFloat(i);
            case DOUBLE: return features.getDouble(i);
            case BOOLEAN: return features.getBoolean(i) ? 1.0 : 0.0;
            case DECIMAL:
                DecimalType decimal = (DecimalType) type;
                DecimalData data = features.getDecimal(i, decimal.getPrecision(), decimal.getScale());
                return data.toBigDecimal().doubleValue();
            default:
                throw new IllegalArgumentException("feature type " + type + " is not a number");
        }
    }
}
