package dev.streamscore.json;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.util.jackson.JacksonMapperFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The decoder as a process, for checking it against the replay's Python parser record by record:
 * {@code java -cp ... dev.streamscore.json.DecodeLines 'spec'} reads base64 records, one per line, and
 * writes one JSON array per record: {@code ["error", reason]} or {@code ["row", v1, v2, ...]} with doubles
 * as their IEEE bits in hex, decimals as plain text, timestamps as epoch microseconds, dates as epoch days.
 */
public final class DecodeLines {
    private DecodeLines() { }

    public static void main(String[] args) throws Exception {
        RecordDecoder decoder = RecordDecoder.fromSpec(args[0]);
        ObjectMapper json = JacksonMapperFactory.createObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Base64.Decoder base64 = Base64.getDecoder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            GenericRowData row = decoder.decode(line.equals("-") ? null : base64.decode(line.trim()));
            ArrayNode result = json.createArrayNode();
            int errorAt = row.getArity() - 1;
            if (row.getField(errorAt) != null) {
                result.add("error").add(row.getField(errorAt).toString());
            } else {
                result.add("row");
                for (int i = 0; i < errorAt; i++) {
                    add(result, row.getField(i));
                }
            }
            out.println(json.writeValueAsString(result));
        }
        out.flush();
    }

    private static void add(ArrayNode result, Object value) {
        if (value instanceof GenericRowData) {  // a ROW: its fields in order
            GenericRowData row = (GenericRowData) value;
            ArrayNode fields = result.addArray();
            for (int i = 0; i < row.getArity(); i++) {
                add(fields, row.getField(i));
            }
        } else if (value instanceof GenericArrayData) {
            ArrayNode elements = result.addArray();
            for (Object element : ((GenericArrayData) value).toObjectArray()) {
                add(elements, element);
            }
        } else if (value instanceof GenericMapData) {  // a MAP: [[key, value], ...] in key order
            GenericMapData map = (GenericMapData) value;
            ArrayNode entries = result.addArray();
            Object[] keys = ((GenericArrayData) map.keyArray()).toObjectArray();
            java.util.Arrays.sort(keys, java.util.Comparator.comparing(Object::toString));
            for (Object key : keys) {
                ArrayNode entry = entries.addArray();
                add(entry, key);
                add(entry, map.get(key));
            }
        } else {
            addScalar(result, value);
        }
    }

    private static void addScalar(ArrayNode result, Object value) {
        if (value == null) {
            result.addNull();
        } else if (value instanceof Double) {
            result.add(Long.toHexString(Double.doubleToLongBits((Double) value)));
        } else if (value instanceof Float) {
            result.add(Long.toHexString(Double.doubleToLongBits((Float) value)));
        } else if (value instanceof DecimalData) {
            result.add(((DecimalData) value).toBigDecimal().toPlainString());
        } else if (value instanceof TimestampData) {
            TimestampData time = (TimestampData) value;
            result.add(time.getMillisecond() * 1000 + time.getNanoOfMillisecond() / 1000);
        } else if (value instanceof Boolean) {
            result.add((Boolean) value);
        } else if (value instanceof Number) {
            result.add(new BigDecimal(value.toString()).toBigInteger());
        } else {
            result.add(value.toString());
        }
    }
}
