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
 * as in LightGBM. Models are loaded once per path and reloaded when the file changes (checked every 2 s).
 */
public class LightGbmPredict extends ScalarFunction {
    private record Loaded(FileTime modified, LightGbmModel model, long checkedAt) { }

    /** How often a model file is checked for a new version (a new file goes live without a restart). */
    static final long RELOAD_CHECK_MILLIS = 2000;

    private static final ConcurrentHashMap<String, Loaded> MODELS = new ConcurrentHashMap<>();

    private transient String path;
    private transient LightGbmModel model;
    private transient long checkedAt;
    private transient double[] row;

    public Double eval(String path, Double... features) {
        if (path == null) {
            return null;
        }
        long now = System.nanoTime();
        if (model == null || !path.equals(this.path) || now - checkedAt > RELOAD_CHECK_MILLIS * 1_000_000) {
            model = model(path);  // this instance's own copy: no shared lookup per row
            this.path = path;
            checkedAt = now;
        }
        if (row == null || row.length != features.length) {
            row = new double[features.length];
        }
        for (int i = 0; i < features.length; i++) {
            row[i] = features[i] == null ? Double.NaN : features[i];
        }
        return model.predict(row);
    }

    static LightGbmModel model(String path) {
        long now = System.currentTimeMillis();
        Loaded loaded = MODELS.get(path);
        if (loaded != null && now - loaded.checkedAt() < RELOAD_CHECK_MILLIS) {
            return loaded.model();
        }
        Path file = Path.of(path);
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            LightGbmModel model = loaded != null && loaded.modified().equals(modified)
                    ? loaded.model() : LightGbmModel.load(file);
            MODELS.put(path, new Loaded(modified, model, now));
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read LightGBM model " + path, e);
        }
    }
}
