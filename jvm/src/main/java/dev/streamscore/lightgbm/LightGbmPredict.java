package dev.streamscore.lightgbm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code LIGHTGBM_PREDICT('path/to/model.txt', f1, f2, ...)}: a LightGBM model scored in the JVM.
 *
 * <p>Register with {@code CREATE TEMPORARY FUNCTION lightgbm_predict AS
 * 'dev.streamscore.lightgbm.LightGbmPredict' LANGUAGE JAVA}. NULL features are missing values (NaN),
 * as in LightGBM. Models are loaded once per path and reloaded when the file changes.
 */
public class LightGbmPredict extends ScalarFunction {
    private record Loaded(FileTime modified, LightGbmModel model) { }

    private static final ConcurrentHashMap<String, Loaded> MODELS = new ConcurrentHashMap<>();

    public Double eval(String path, Double... features) {
        if (path == null) {
            return null;
        }
        LightGbmModel model = model(path);
        double[] row = new double[features.length];
        for (int i = 0; i < features.length; i++) {
            row[i] = features[i] == null ? Double.NaN : features[i];
        }
        return model.predict(row);
    }

    static LightGbmModel model(String path) {
        Path file = Path.of(path);
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            Loaded loaded = MODELS.get(path);
            if (loaded == null || !loaded.modified().equals(modified)) {
                loaded = new Loaded(modified, LightGbmModel.load(file));
                MODELS.put(path, loaded);
            }
            return loaded.model();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read LightGBM model " + path, e);
        }
    }
}
