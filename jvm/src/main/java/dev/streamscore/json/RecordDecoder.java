package dev.streamscore.json;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.formats.common.TimeFormats;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserToRowDataConverters;
import org.apache.flink.formats.json.JsonParserToRowDataConverters.JsonParserToRowDataConverter;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.StreamReadConstraints;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.json.JsonReadFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.table.types.logical.utils.LogicalTypeDefaultVisitor;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.flink.util.jackson.JacksonMapperFactory;

/**
 * One Kafka record's bytes to a row of the table's declared columns, or the reason it is a dead letter.
 *
 * <p>Values follow Flink's own {@code json} format: its converters read every column (a string
 * {@code "529.5"} for a DOUBLE, a number for a STRING, {@code 1.9} truncated for an INT ...). Where that format
 * would silently invent or lose data, the record is a dead letter instead (streamscore's replay parser in
 * Python, {@code streamscore.kafka.dead_letters.RecordParser}, applies the same rules):
 * <ul>
 *   <li>a record that is not exactly one JSON object (Flink: an array gives one row per element, text after
 *       the object is ignored, an empty record is skipped);</li>
 *   <li>duplicate keys (Flink keeps the last one and may then skip a later column), invalid UTF-8, nesting
 *       deeper than {@link #MAX_NESTING_DEPTH};</li>
 *   <li>a BOOLEAN that is not true/false (Flink: false), a DECIMAL that does not fit (Flink: NULL), a
 *       timestamp such as Feb 30 or 24:00:00 (Flink: moved to a valid one), a year outside 1..9999, a string
 *       holding a lone UTF-16 surrogate, a NULL or missing event time.</li>
 * </ul>
 * Nothing thrown while decoding one record (stack overflow included) escapes {@link #decode}.
 */
public final class RecordDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String ERROR_COLUMN = "streamscore_error";
    public static final int MAX_NESTING_DEPTH = 500;
    public static final int MAX_NUMBER_LENGTH = 1000;

    /** How a column is read: by Flink's converter as declared, or as text that streamscore converts. */
    private enum Reading { FLINK, STRING, BOOLEAN, DECIMAL, TIMESTAMP, TIMESTAMP_LTZ, DATE }

    private final RowType declared;
    private final Reading[] readings;
    private final boolean[] required;
    private final TimestampFormat timestampFormat;
    private final int maxRecordBytes;

    private transient ObjectMapper mapper;
    private transient JsonParserToRowDataConverter converter;
    private transient DateTimeFormatter timestampLayout;
    private transient DateTimeFormatter zonedLayout;

    public RecordDecoder(RowType declared, Set<String> requiredNames, TimestampFormat timestampFormat,
                         int maxRecordBytes) {
        this.declared = declared;
        this.timestampFormat = timestampFormat;
        this.maxRecordBytes = maxRecordBytes;
        List<String> names = declared.getFieldNames();
        this.readings = new Reading[names.size()];
        this.required = new boolean[names.size()];
        for (int i = 0; i < names.size(); i++) {
            readings[i] = readingOf(declared.getTypeAt(i));
            required[i] = requiredNames.contains(names.get(i));
        }
    }

    /**
     * A decoder from its JSON spec: {@code {"row": "ROW<`a` BIGINT, ...>", "required": ["a"],
     * "timestamp_format": "SQL" | "ISO-8601", "max_record_bytes": 1048576}}.
     */
    public static RecordDecoder fromSpec(String spec) {
        try {
            JsonNode node = JacksonMapperFactory.createObjectMapper().readTree(spec);
            LogicalType row = LogicalTypeParser.parse(node.get("row").asText(),
                    RecordDecoder.class.getClassLoader());
            if (!(row instanceof RowType)) {
                throw new IllegalArgumentException("'row' is not a ROW type: " + row);
            }
            Set<String> required = new HashSet<>();
            node.path("required").forEach(n -> required.add(n.asText()));
            TimestampFormat format = "ISO-8601".equals(node.path("timestamp_format").asText("SQL"))
                    ? TimestampFormat.ISO_8601 : TimestampFormat.SQL;
            return new RecordDecoder((RowType) row, required, format,
                    node.path("max_record_bytes").asInt(1 << 20));
        } catch (Exception e) {
            throw new IllegalArgumentException("bad streamscore_parse_json spec: " + e.getMessage(), e);
        }
    }

    /** The declared columns. */
    public RowType declaredType() {
        return declared;
    }

    /** The function's result: the declared columns, then the error (NULL for a good record). */
    public DataType outputType() {
        List<String> names = declared.getFieldNames();
        List<DataTypes.Field> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(DataTypes.FIELD(names.get(i),
                    TypeConversions.fromLogicalToDataType(declared.getTypeAt(i).copy(true))));
        }
        out.add(DataTypes.FIELD(ERROR_COLUMN, DataTypes.STRING()));
        return DataTypes.ROW(out.toArray(new DataTypes.Field[0])).bridgedTo(RowData.class);
    }

    private static Reading readingOf(LogicalType type) {
        switch (type.getTypeRoot()) {
            case BOOLEAN: return Reading.BOOLEAN;
            case DECIMAL: return Reading.DECIMAL;
            case TIMESTAMP_WITHOUT_TIME_ZONE: return Reading.TIMESTAMP;
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE: return Reading.TIMESTAMP_LTZ;
            case DATE: return Reading.DATE;
            case CHAR:
            case VARCHAR: return Reading.STRING;
            default: return Reading.FLINK;
        }
    }

    /**
     * The type Flink's converter reads a declared type as: values streamscore checks itself (BOOLEAN, DECIMAL,
     * timestamps) as text, at any depth inside ROW, ARRAY and MAP; everything nullable (NOT NULL is checked
     * after reading, so a missing value is a dead letter rather than a silent NULL).
     */
    static LogicalType readType(LogicalType type) {
        switch (type.getTypeRoot()) {
            case ROW: {
                List<RowType.RowField> fields = new ArrayList<>();
                for (RowType.RowField field : ((RowType) type).getFields()) {
                    fields.add(new RowType.RowField(field.getName(), readType(field.getType())));
                }
                return new RowType(true, fields);
            }
            case ARRAY:
                return new ArrayType(true, readType(((ArrayType) type).getElementType()));
            case MAP:
                return new MapType(true, readType(((MapType) type).getKeyType()),
                        readType(((MapType) type).getValueType()));
            default: {
                Reading reading = readingOf(type);
                boolean asText = reading != Reading.FLINK && reading != Reading.STRING && reading != Reading.DATE;
                return asText ? new VarCharType(true, VarCharType.MAX_LENGTH) : type.copy(true);
            }
        }
    }

    private static final LogicalTypeDefaultVisitor<Boolean> HAS_DECIMAL = new LogicalTypeDefaultVisitor<>() {
        @Override
        protected Boolean defaultMethod(LogicalType type) {
            return type.getTypeRoot() == LogicalTypeRoot.DECIMAL
                    || type.getChildren().stream().anyMatch(child -> child.accept(this));
        }
    };

    private void open() {
        boolean decimals = false;
        List<RowType.RowField> read = new ArrayList<>();
        for (RowType.RowField field : declared.getFields()) {
            decimals |= field.getType().accept(HAS_DECIMAL);
            read.add(new RowType.RowField(field.getName(), readType(field.getType())));
        }
        // Flink's json format's mapper (JacksonMapperFactory, unescaped control characters allowed, big
        // decimals when the table has a DECIMAL), plus streamscore's limits
        mapper = JacksonMapperFactory.createObjectMapper()
                .configure(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS.mappedFeature(), true)
                .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);
        if (decimals) {
            mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        }
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH)
                .maxStringLength(Math.max(maxRecordBytes, 1)).maxNameLength(Math.max(maxRecordBytes, 1)).build());
        converter = new JsonParserToRowDataConverters(false, false, timestampFormat)
                .createConverter(null, new RowType(true, read));
        boolean iso = timestampFormat == TimestampFormat.ISO_8601;
        timestampLayout = (iso ? TimeFormats.ISO8601_TIMESTAMP_FORMAT : TimeFormats.SQL_TIMESTAMP_FORMAT)
                .withResolverStyle(ResolverStyle.STRICT);
        zonedLayout = (iso ? TimeFormats.ISO8601_TIMESTAMP_WITH_LOCAL_TIMEZONE_FORMAT
                : TimeFormats.SQL_TIMESTAMP_WITH_LOCAL_TIMEZONE_FORMAT).withResolverStyle(ResolverStyle.STRICT);
    }

    /** Why a record is a dead letter; the message goes to the dead letter's error header. */
    static final class RecordError extends Exception {
        RecordError(String message) {
            super(message, null, false, false);
        }
    }

    /** The row (declared columns + a NULL error) or NULL columns and the reason. Never throws. */
    public GenericRowData decode(byte[] raw) {
        GenericRowData row = new GenericRowData(readings.length + 1);
        try {
            Object[] values = values(raw);
            for (int i = 0; i < values.length; i++) {
                row.setField(i, values[i]);
            }
            return row;
        } catch (RecordError e) {
            row.setField(readings.length, StringData.fromString(e.getMessage()));
        } catch (Throwable e) {  // a stack overflow or a bug: it stays with this record
            row.setField(readings.length, StringData.fromString(
                    "cannot decode the record: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        for (int i = 0; i < readings.length; i++) {
            row.setField(i, null);
        }
        return row;
    }

    private Object[] values(byte[] raw) throws Exception {
        if (mapper == null) {
            open();
        }
        if (raw == null) {
            throw new RecordError("record has no value (a tombstone)");
        }
        if (raw.length == 0) {
            throw new RecordError("record is empty");
        }
        if (raw.length > maxRecordBytes) {
            throw new RecordError("record is " + raw.length + " bytes, over the limit of " + maxRecordBytes);
        }
        int bad = invalidUtf8At(raw);
        if (bad >= 0) {
            throw new RecordError("not UTF-8: invalid byte at " + bad);
        }
        if (raw[0] == 0 || (raw.length > 1 && raw[1] == 0)) {
            throw new RecordError("bad JSON: a NUL byte at the start");  // Jackson would guess UTF-16/32
        }
        GenericRowData parsed;
        try (JsonParser parser = mapper.getFactory().createParser(raw)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new RecordError("bad JSON: " + (first == null ? "no value" : "a " + kind(first))
                        + " where an object was expected");
            }
            try {
                parsed = (GenericRowData) converter.convert(parser);
            } catch (Exception e) {  // Flink's converter names the field it failed on, without the cause
                throw new RecordError(fieldFailure(e));
            }
            if (parser.nextToken() != null) {
                throw new RecordError("bad JSON: content after the object");
            }
        } catch (RecordError e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new RecordError("bad JSON: nested too deeply");
        } catch (Exception e) {
            throw new RecordError("bad JSON: " + firstLine(e.getMessage()));
        }
        Object[] values = new Object[readings.length];
        for (int i = 0; i < readings.length; i++) {
            Object value = parsed.getField(i);
            if (value == null) {
                if (required[i]) {
                    throw new RecordError("event time `" + name(i) + "` is NULL or missing");
                }
                continue;
            }
            values[i] = converted(name(i), declared.getTypeAt(i), value);
        }
        return values;
    }

    /** A value as read (see {@link #readType}) to the declared type; {@code path} names it in errors. */
    private Object converted(String path, LogicalType type, Object value) throws RecordError {
        switch (type.getTypeRoot()) {
            case ROW: {
                RowType row = (RowType) type;
                RowData read = (RowData) value;
                GenericRowData out = new GenericRowData(row.getFieldCount());
                for (int k = 0; k < row.getFieldCount(); k++) {
                    LogicalType field = row.getTypeAt(k);
                    Object inner = RowData.createFieldGetter(readType(field), k).getFieldOrNull(read);
                    out.setField(k, nested(path + "." + row.getFieldNames().get(k), field, inner));
                }
                return out;
            }
            case ARRAY: {
                LogicalType element = ((ArrayType) type).getElementType();
                ArrayData read = (ArrayData) value;
                ArrayData.ElementGetter getter = ArrayData.createElementGetter(readType(element));
                Object[] out = new Object[read.size()];
                for (int k = 0; k < out.length; k++) {
                    out[k] = nested(path + "[" + (k + 1) + "]", element, getter.getElementOrNull(read, k));
                }
                return new GenericArrayData(out);
            }
            case MAP: {
                MapType map = (MapType) type;
                MapData read = (MapData) value;
                ArrayData.ElementGetter keys = ArrayData.createElementGetter(readType(map.getKeyType()));
                ArrayData.ElementGetter values = ArrayData.createElementGetter(readType(map.getValueType()));
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int k = 0; k < read.size(); k++) {
                    Object key = nested(path + " key", map.getKeyType(), keys.getElementOrNull(read.keyArray(), k));
                    out.put(key, nested(path + "['" + key + "']", map.getValueType(),
                            values.getElementOrNull(read.valueArray(), k)));
                }
                return new GenericMapData(out);
            }
            default:
                return scalar(path, type, value);
        }
    }

    /** A value inside a ROW, ARRAY or MAP: a NULL where the type says NOT NULL is a dead letter. */
    private Object nested(String path, LogicalType type, Object value) throws RecordError {
        if (value == null) {
            if (!type.isNullable()) {
                throw pathError(path, "NULL or missing, declared " + type.asSummaryString());
            }
            return null;
        }
        return converted(path, type, value);
    }

    private Object scalar(String path, LogicalType type, Object value) throws RecordError {
        switch (readingOf(type)) {
            case STRING:
                if (hasLoneSurrogate(value.toString())) {
                    throw pathError(path, "string holds a lone UTF-16 surrogate (not valid Unicode text)");
                }
                return value;
            case BOOLEAN: {
                String text = value.toString().trim();
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    return text.equalsIgnoreCase("true");
                }
                throw pathError(path, "expected BOOLEAN, got " + shown(value.toString()));
            }
            case DECIMAL: {
                DecimalType decimal = (DecimalType) type;
                BigDecimal number;
                try {
                    number = new BigDecimal(value.toString().trim());
                } catch (NumberFormatException e) {
                    throw pathError(path, "expected " + decimal.asSummaryString().replace(" NOT NULL", "")
                            + ", got " + shown(value.toString()));
                }
                int integerDigits = number.precision() - number.scale();
                if (number.signum() != 0 && integerDigits > decimal.getPrecision() - decimal.getScale()) {
                    throw pathError(path, shown(value.toString()) + " does not fit DECIMAL("
                            + decimal.getPrecision() + ", " + decimal.getScale() + ")");
                }
                if (integerDigits <= -80) {  // rounds to 0; setScale would take forever on 1e-999999999
                    number = BigDecimal.ZERO;
                }
                DecimalData data = DecimalData.fromBigDecimal(number, decimal.getPrecision(), decimal.getScale());
                if (data == null) {
                    throw pathError(path, shown(value.toString()) + " does not fit DECIMAL("
                            + decimal.getPrecision() + ", " + decimal.getScale() + ")");
                }
                return data;
            }
            case TIMESTAMP:
            case TIMESTAMP_LTZ: {
                boolean zoned = readingOf(type) == Reading.TIMESTAMP_LTZ;
                int precision = zoned ? ((LocalZonedTimestampType) type).getPrecision()
                        : ((TimestampType) type).getPrecision();
                LocalDateTime time;
                try {
                    time = (zoned ? zonedLayout : timestampLayout).parse(value.toString(), LocalDateTime::from);
                } catch (RuntimeException e) {
                    throw pathError(path, "expected a timestamp like '"
                            + (timestampFormat == TimestampFormat.ISO_8601 ? "yyyy-MM-ddTHH:mm:ss[.SSS]"
                               : "yyyy-MM-dd HH:mm:ss[.SSS]") + (zoned ? "Z" : "") + "', got "
                            + shown(value.toString()));
                }
                checkYear(path, time.getYear());
                int nanos = time.getNano();
                time = time.withNano(nanos - nanos % (int) Math.pow(10, 9 - Math.min(precision, 9)));
                return zoned ? TimestampData.fromInstant(time.toInstant(ZoneOffset.UTC))
                        : TimestampData.fromLocalDateTime(time);
            }
            case DATE:
                checkYear(path, LocalDate.ofEpochDay((Integer) value).getYear());
                return value;
            default:
                return value;
        }
    }

    private void checkYear(String path, int year) throws RecordError {
        if (year < 1 || year > 9999) {
            throw pathError(path, "year " + year + " is outside 1..9999");
        }
    }

    private String name(int i) {
        return declared.getFieldNames().get(i);
    }

    private static RecordError pathError(String path, String message) {
        return new RecordError("`" + path + "`: " + message);
    }

    private String fieldFailure(Exception e) {
        String message = String.valueOf(e.getMessage());
        String prefix = "Fail to deserialize at field: ";
        if (message.startsWith(prefix) && message.endsWith(".")) {
            String field = message.substring(prefix.length(), message.length() - 1);
            int i = declared.getFieldNames().indexOf(field);
            String type = i < 0 ? "its type" : declared.getTypeAt(i).copy(true).asSummaryString();
            return "`" + field + "`: cannot be read as " + type;
        }
        return "bad JSON: " + firstLine(message);
    }

    private static String kind(JsonToken token) {
        switch (token) {
            case START_ARRAY: return "JSON array";
            case VALUE_STRING: return "JSON string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return "JSON number";
            case VALUE_TRUE:
            case VALUE_FALSE: return "JSON boolean";
            case VALUE_NULL: return "JSON null";
            default: return token.toString();
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    static String shown(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The index of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates), or -1. */
    static int invalidUtf8At(byte[] bytes) {
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;
            int high = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                more = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                more = 2;
                low = b == 0xE0 ? 0xA0 : 0x80;
                high = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                more = 3;
                low = b == 0xF0 ? 0x90 : 0x80;
                high = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return i;
            }
            if (i + more > bytes.length - 1) {  // cut short
                return i;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < low || second > high) {
                return i;
            }
            for (int k = 2; k <= more; k++) {
                int next = bytes[i + k] & 0xFF;
                if (next < 0x80 || next > 0xBF) {
                    return i;
                }
            }
            i += more + 1;
        }
        return -1;
    }
}
