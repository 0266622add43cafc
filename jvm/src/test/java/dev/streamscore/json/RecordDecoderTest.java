package dev.streamscore.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder against Flink's own json format: the same values where it accepts a record. */
class RecordDecoderTest {
    private static final RowType ROW = (RowType) LogicalTypeParser.parse(
            "ROW<a BIGINT, i INT, x DOUBLE, s STRING, ok BOOLEAN, m DECIMAL(5, 2), d DATE, t TIMESTAMP(3)>",
            RecordDecoderTest.class.getClassLoader());
    private final RecordDecoder decoder = new RecordDecoder(ROW, Set.of(), TimestampFormat.SQL, 1 << 20);

    private static RowData flink(String record) throws Exception {
        JsonParserRowDataDeserializationSchema format = new JsonParserRowDataDeserializationSchema(
                ROW, InternalTypeInfo.of(ROW), false, false, TimestampFormat.SQL);
        format.open(null);
        return format.deserialize(record.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\": 1, \"i\": 2, \"x\": 1.5, \"s\": \"q\", \"ok\": true, \"m\": 1.005, \"d\": \"2020-02-29\","
            + " \"t\": \"2020-01-01 10:00:00.123\"}",
        "{\"a\": \"900007\", \"x\": \"529.5\", \"s\": 12.50, \"ok\": \"TRUE\", \"m\": \"12\"}",
        "{\"i\": 1.9, \"x\": \" NaN \", \"s\": {\"b\": [1, 2.5, null, \"z\"]}, \"ok\": \" false\"}",
        "{\"a\": \" -7 \", \"i\": -2147483647.9, \"x\": \"0x1p3\", \"s\": true, \"m\": -0.005}",
        "{\"x\": 1e400, \"s\": [], \"t\": \"2020-01-01 10:00:00.\", \"unknown\": [1, {\"z\": null}]}",
        "{\"a\": null, \"s\": \"\\u00fc\\ud83d\\ude00\\t\", \"m\": 999.994, \"x\": \"2d\"}",
        "\ufeff {\"a\": 1} \n",
    })
    void readsWhatFlinksFormatReadsAlike(String record) throws Exception {
        GenericRowData ours = decoder.decode(record.getBytes(StandardCharsets.UTF_8));
        assertNull(ours.getField(ROW.getFieldCount()), () -> "error: " + ours.getField(ROW.getFieldCount()));
        RowData theirs = flink(record);
        for (int i = 0; i < ROW.getFieldCount(); i++) {
            assertEquals(((GenericRowData) theirs).getField(i), ours.getField(i), ROW.getFieldNames().get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"ok\": \"yes\"}",                          // Flink: false
        "{\"ok\": 1}",                                // Flink: false
        "{\"m\": 1234.5}",                            // Flink: NULL (does not fit)
        "{\"t\": \"2020-02-30 10:00:00\"}",           // Flink: Feb 29
        "{\"t\": \"2020-01-01 24:00:00\"}",           // Flink: the next day
        "{\"a\": 1, \"a\": 2}",                       // Flink: the last one
        "{\"a\": 1} trailing",                        // Flink: ignored
        "{\"s\": \"\\ud800\"}",                       // Flink: a string no UTF-8 can hold
        "{\"d\": \"0000-01-01\"}",                    // Flink: year 0
    })
    void deadLettersWhatFlinksFormatWouldMangle(String record) throws Exception {
        assertNotNull(flink(record), "Flink's format accepts it");
        GenericRowData ours = decoder.decode(record.getBytes(StandardCharsets.UTF_8));
        assertNotNull(ours.getField(ROW.getFieldCount()), record);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "[{\"a\": 1}]", "1", "\"x\"", "{\"a\": [[[", "{\"a\": 1e}", "{\"i\": 2147483648}",
                            "{\"x\": \"1,5\"}", "{\"a\": NaN}", "{\"d\": \"2020-1-2\"}"})
    void everyOtherRecordIsOneDeadLetter(String record) {
        GenericRowData ours = decoder.decode(record.getBytes(StandardCharsets.UTF_8));
        assertNotNull(ours.getField(ROW.getFieldCount()), record);
        for (int i = 0; i < ROW.getFieldCount(); i++) {
            assertNull(ours.getField(i));
        }
    }

    @org.junit.jupiter.api.Test
    void hostileInputStaysWithItsRecord() {
        for (String field : new String[] {"s", "unknown"}) {  // read as a STRING's text, or skipped
            byte[] deep = ("{\"" + field + "\": " + "[".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8);
            assertNotNull(decoder.decode(deep).getField(ROW.getFieldCount()));
        }
        byte[] deep = ("{\"unknown\": " + "{\"a\":".repeat(501) + "1" + "}".repeat(502)).getBytes(StandardCharsets.UTF_8);
        assertTrue(decoder.decode(deep).getField(ROW.getFieldCount()).toString().contains("nesting depth"));
        assertNotNull(decoder.decode(new byte[] {(byte) 0xC0, (byte) 0x80}).getField(ROW.getFieldCount()));
        assertNotNull(decoder.decode(null).getField(ROW.getFieldCount()));
        assertNotNull(decoder.decode("{\"m\": 1e999999999}".getBytes(StandardCharsets.UTF_8)).getField(ROW.getFieldCount()));
        assertNull(decoder.decode("{\"m\": 1e-999999999}".getBytes(StandardCharsets.UTF_8)).getField(ROW.getFieldCount()));
    }

    private static final RowType NESTED = (RowType) LogicalTypeParser.parse(
            "ROW<c ROW<id STRING, `at` ROW<city STRING, n INT>>, lines ARRAY<ROW<sku STRING, qty INT, p DOUBLE>>, "
                    + "tags ARRAY<STRING>, m MAP<STRING, BIGINT>, d ARRAY<DATE>>",
            RecordDecoderTest.class.getClassLoader());

    /** Nested values as Flink's own format reads them, compared through its string form (Generic*Data). */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"c\": {\"id\": \"c1\", \"at\": {\"city\": \"Oslo\", \"n\": \"7\"}}, \"lines\": [{\"sku\": 1, \"qty\": 2.9, "
            + "\"p\": \"0.1\"}, {\"sku\": null}], \"tags\": [\"a\", 2, {\"x\": 1}], \"m\": {\"k\": 3, \"z\": null}, "
            + "\"d\": [\"2024-02-29\"]}",
        "{\"c\": {}, \"lines\": [], \"tags\": [], \"m\": {}, \"d\": [null]}",
        "{\"c\": null, \"lines\": null}",
    })
    void readsNestedValuesAsFlinksFormat(String record) throws Exception {
        RecordDecoder nested = new RecordDecoder(NESTED, Set.of(), TimestampFormat.SQL, 1 << 20);
        GenericRowData ours = nested.decode(record.getBytes(StandardCharsets.UTF_8));
        assertNull(ours.getField(NESTED.getFieldCount()), () -> "error: " + ours.getField(NESTED.getFieldCount()));
        JsonParserRowDataDeserializationSchema format = new JsonParserRowDataDeserializationSchema(
                NESTED, InternalTypeInfo.of(NESTED), false, false, TimestampFormat.SQL);
        format.open(null);
        GenericRowData theirs = (GenericRowData) format.deserialize(record.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < NESTED.getFieldCount(); i++) {
            assertEquals(String.valueOf(shown(theirs.getField(i))), String.valueOf(shown(ours.getField(i))),
                    NESTED.getFieldNames().get(i));
        }
    }

    private static Object shown(Object value) {
        if (value instanceof org.apache.flink.table.data.GenericArrayData) {
            return java.util.Arrays.stream(((org.apache.flink.table.data.GenericArrayData) value).toObjectArray())
                    .map(RecordDecoderTest::shown).collect(java.util.stream.Collectors.toList());
        }
        if (value instanceof org.apache.flink.table.data.GenericMapData) {
            org.apache.flink.table.data.GenericMapData map = (org.apache.flink.table.data.GenericMapData) value;
            java.util.Map<String, Object> out = new java.util.TreeMap<>();
            Object[] keys = ((org.apache.flink.table.data.GenericArrayData) map.keyArray()).toObjectArray();
            for (Object key : keys) {
                out.put(String.valueOf(key), shown(map.get(key)));
            }
            return out;
        }
        if (value instanceof GenericRowData) {
            GenericRowData row = (GenericRowData) value;
            java.util.List<Object> out = new java.util.ArrayList<>();
            for (int i = 0; i < row.getArity(); i++) {
                out.add(shown(row.getField(i)));
            }
            return out;
        }
        return value;
    }
}
