package dev.streamscore.json;

import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.inference.TypeInference;

/**
 * {@code STREAMSCORE_PARSE_JSON(raw_bytes, 'spec')}: a Kafka record's bytes as a ROW of the declared columns
 * plus {@code streamscore_error} (NULL for a good record; see {@link RecordDecoder} for the rules). The spec
 * literal declares the row (see {@link RecordDecoder#fromSpec}), so the result type is known at planning.
 *
 * <p>A guarded source computes each declared column as a field of this call; the last record's result is
 * kept, so the columns of one record decode it once.
 */
public class ParseJson extends ScalarFunction {
    private transient String spec;
    private transient RecordDecoder decoder;
    private transient byte[] lastRaw;
    private transient RowData lastRow;

    public RowData eval(byte[] raw, String spec) {
        if (decoder == null || !spec.equals(this.spec)) {
            decoder = RecordDecoder.fromSpec(spec);
            this.spec = spec;
            lastRaw = null;
        }
        if (raw != null && lastRaw != null && Arrays.equals(raw, lastRaw)) {
            return lastRow;  // the same bytes decode to the same row
        }
        lastRow = decoder.decode(raw);
        lastRaw = raw;
        return lastRow;
    }

    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        return TypeInference.newBuilder()
                .typedArguments(DataTypes.BYTES(), DataTypes.STRING())
                .outputTypeStrategy(call -> {
                    String text = call.getArgumentValue(1, String.class).orElseThrow(() -> call.newValidationError(
                            "STREAMSCORE_PARSE_JSON needs its spec as a string literal"));
                    return Optional.of(RecordDecoder.fromSpec(text).outputType());
                })
                .build();
    }
}
