package dev.streamscore.json;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.File;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonEncoding;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonGenerator;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.jackson.JacksonMapperFactory;

/**
 * The replay's decoder: a JSON Lines file decoded record by record by the very {@link RecordDecoder} a running
 * job uses for its Kafka topic, so history and stream yield the same rows and dead letters by construction.
 *
 * <p>{@code java -cp ... dev.streamscore.json.DecodeFile 'spec' INPUT ROWS DEAD} writes each good record as one
 * JSON object of positional keys {@code c0, c1, ...} to ROWS, in values no reader can round differently:
 * doubles and floats as Java's shortest exact text ({@code "NaN"}, {@code "Infinity"} included), decimals as plain
 * text, timestamps as epoch microseconds, dates as epoch days, integers, booleans and strings as JSON; and each
 * dead letter as {@code {"line": n, "error": "...", "raw": base64}} to DEAD. A line is a record as the replay
 * always read it: split on LF, trailing CR/LF removed, blank lines skipped. Prints "ROWS DEAD" counts at the end.
 * With {@code --serve} it decodes one file per request line (see {@link #serve}): the JVM starts once.
 */
public final class DecodeFile {
    /** Below this size one thread decodes the file (a thread pool costs more than it saves). */
    static final long PARALLEL_FROM_BYTES = 4L << 20;

    private DecodeFile() { }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--serve")) {
            serve();
            return;
        }
        long[] counts = decode(args[0], args[1], args[2], args[3]);
        System.out.println(counts[0] + " " + counts[1]);
    }

    /**
     * One process for many files (a replay session's sources): each stdin line is a JSON array
     * {@code [spec, input, rows, dead]}; each answer line is {@code "ROWS DEAD"} or {@code "error: ..."}.
     */
    private static void serve() throws IOException {
        ObjectMapper json = JacksonMapperFactory.createObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            try {
                JsonNode request = json.readTree(line);
                long[] counts = decode(request.get(0).asText(), request.get(1).asText(), request.get(2).asText(),
                        request.get(3).asText());
                out.println(counts[0] + " " + counts[1]);
            } catch (Exception | StackOverflowError e) { // RecordDecoder keeps a record's failures to itself
                out.println("error: " + e.toString().replace('\n', ' '));
            }
        }
    }

    /**
     * Decodes {@code input} into {@code rowsPath} and {@code deadPath}; returns {rows, dead letters}. A large file
     * is cut at line ends into one part per core, decoded in parallel (a decoder each) and joined in order.
     */
    static long[] decode(String spec, String input, String rowsPath, String deadPath) throws IOException {
        long size = new File(input).length();
        int parts = size < PARALLEL_FROM_BYTES ? 1 : Runtime.getRuntime().availableProcessors();
        long[] bounds = lineBounds(input, size, parts);
        parts = bounds.length - 1;
        if (parts == 1) {
            long[] counts = decodeRange(spec, input, 0, size, rowsPath, deadPath, 0);
            return new long[] {counts[0], counts[1]};
        }
        ExecutorService pool = Executors.newFixedThreadPool(parts);
        try {
            List<Future<long[]>> done = new ArrayList<>();
            for (int k = 0; k < parts; k++) {
                final int part = k;
                done.add(pool.submit(() -> decodeRange(spec, input, bounds[part], bounds[part + 1],
                        rowsPath + ".part" + part, deadPath + ".part" + part, 0)));
            }
            long rows = 0;
            long dead = 0;
            long linesBefore = 0;
            ObjectMapper json = JacksonMapperFactory.createObjectMapper();
            try (OutputStream rowsOut = new FileOutputStream(rowsPath);
                 OutputStream deadOut = new BufferedOutputStream(new FileOutputStream(deadPath))) {
                for (int k = 0; k < parts; k++) {
                    long[] counts = done.get(k).get();
                    Path rowsPart = Paths.get(rowsPath + ".part" + k);
                    Path deadPart = Paths.get(deadPath + ".part" + k);
                    Files.copy(rowsPart, rowsOut);
                    for (String line : Files.readAllLines(deadPart, StandardCharsets.UTF_8)) {
                        ObjectNode letter = (ObjectNode) json.readTree(line);
                        letter.put("line", letter.get("line").asLong() + linesBefore); // the file's numbering
                        deadOut.write(json.writeValueAsBytes(letter));
                        deadOut.write('\n');
                    }
                    Files.delete(rowsPart);
                    Files.delete(deadPart);
                    rows += counts[0];
                    dead += counts[1];
                    linesBefore += counts[2];
                }
            }
            return new long[] {rows, dead};
        } catch (InterruptedException | ExecutionException e) {
            throw new IOException("decoding " + input + " failed: " + e.getCause(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code parts + 1} offsets: 0, a line start near each k/parts of the file, then its size (no empty part). */
    private static long[] lineBounds(String input, long size, int parts) throws IOException {
        List<Long> bounds = new ArrayList<>();
        bounds.add(0L);
        try (RandomAccessFile file = new RandomAccessFile(input, "r")) {
            for (int k = 1; k < parts; k++) {
                long at = Math.max(size * k / parts, bounds.get(bounds.size() - 1));
                file.seek(at);
                int b;
                while ((b = file.read()) != -1 && b != '\n') {
                    at++;
                }
                long next = at + 1; // just past the LF
                if (b != -1 && next < size && next > bounds.get(bounds.size() - 1)) {
                    bounds.add(next);
                }
            }
        }
        bounds.add(size);
        return bounds.stream().mapToLong(Long::longValue).toArray();
    }

    /** Decodes the lines in bytes [start, end) of {@code input}; returns {rows, dead letters, lines}. */
    private static long[] decodeRange(String spec, String input, long start, long end, String rowsPath,
                                      String deadPath, long firstLine) throws IOException {
        RecordDecoder decoder = RecordDecoder.fromSpec(spec);
        JsonFactory factory = new JsonFactory();
        long rows = 0;
        long dead = 0;
        long number = firstLine;
        try (FileChannel channel = FileChannel.open(Paths.get(input));
             OutputStream rowsOut = new BufferedOutputStream(new FileOutputStream(rowsPath), 1 << 20);
             OutputStream deadOut = new BufferedOutputStream(new FileOutputStream(deadPath), 1 << 16);
             JsonGenerator rowsJson = factory.createGenerator(rowsOut, JsonEncoding.UTF8);
             JsonGenerator deadJson = factory.createGenerator(deadOut, JsonEncoding.UTF8)) {
            channel.position(start);
            InputStream in = Channels.newInputStream(channel);
            rowsJson.setRootValueSeparator(null);
            deadJson.setRootValueSeparator(null);
            Lines lines = new Lines(in, end - start);
            String[] names = null; // c0, c1, ...
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                number++;
                byte[] raw = trimmedEnd(line);
                if (blank(raw)) {
                    continue;
                }
                GenericRowData row = decoder.decode(raw);
                int errorAt = row.getArity() - 1;
                if (row.getField(errorAt) != null) {
                    deadJson.writeStartObject();
                    deadJson.writeNumberField("line", number);
                    deadJson.writeStringField("error", row.getField(errorAt).toString());
                    deadJson.writeStringField("raw", Base64.getEncoder().encodeToString(raw));
                    deadJson.writeEndObject();
                    deadJson.writeRaw('\n');
                    dead++;
                } else {
                    if (names == null) {
                        names = new String[errorAt];
                        for (int i = 0; i < errorAt; i++) {
                            names[i] = "c" + i;
                        }
                    }
                    rowsJson.writeStartObject();
                    for (int i = 0; i < errorAt; i++) {
                        rowsJson.writeFieldName(names[i]);
                        write(rowsJson, decoder.declaredType().getTypeAt(i), row.getField(i));
                    }
                    rowsJson.writeEndObject();
                    rowsJson.writeRaw('\n');
                    rows++;
                }
            }
        }
        return new long[] {rows, dead, number - firstLine};
    }

    /** The lines of a stream split on LF (a last line without one included), read through one buffer. */
    private static final class Lines {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 20];
        private long left; // bytes still to read
        private int start;
        private int end;
        private boolean eof;

        Lines(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        byte[] next() throws IOException {
            ByteArrayOutputStream longLine = null;
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        byte[] line = joined(longLine, i);
                        start = i + 1;
                        return line;
                    }
                }
                if (eof) {
                    if (start == end && longLine == null) {
                        return null;
                    }
                    byte[] line = joined(longLine, end);
                    start = end;
                    return line;
                }
                if (end - start > 0) { // a line longer than what is buffered: keep its start aside
                    if (longLine == null) {
                        longLine = new ByteArrayOutputStream();
                    }
                    longLine.write(buffer, start, end - start);
                }
                start = 0;
                end = 0;
                int read = left <= 0 ? -1 : in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    eof = true;
                } else {
                    end = read;
                    left -= read;
                }
            }
        }

        private byte[] joined(ByteArrayOutputStream longLine, int upTo) {
            if (longLine == null) {
                return java.util.Arrays.copyOfRange(buffer, start, upTo);
            }
            longLine.write(buffer, start, upTo - start);
            return longLine.toByteArray();
        }
    }

    /** The line without its trailing CR and LF characters (as Python's {@code rstrip(b"\r\n")}). */
    private static byte[] trimmedEnd(byte[] raw) {
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\r' || raw[end - 1] == '\n')) {
            end--;
        }
        return end == raw.length ? raw : java.util.Arrays.copyOf(raw, end);
    }

    /** Only ASCII whitespace (as Python's {@code bytes.strip()} sees it): not a record. */
    private static boolean blank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != 0x0b && b != 0x0c) {
                return false;
            }
        }
        return true;
    }

    /**
     * One value: at the top level as described above; a ROW, ARRAY or MAP as a JSON object (every field named,
     * NULLs included), array or object whose scalars are text DuckDB casts exactly (numbers as above, timestamps
     * as 'yyyy-MM-dd HH:mm:ss.ffffff' with '+00' for TIMESTAMP_LTZ, dates as 'yyyy-MM-dd').
     */
    private static void write(JsonGenerator json, LogicalType type, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
            return;
        }
        switch (type.getTypeRoot()) {
            case ROW: {
                RowType row = (RowType) type;
                json.writeStartObject();
                for (int k = 0; k < row.getFieldCount(); k++) {
                    json.writeFieldName(row.getFieldNames().get(k));
                    writeNested(json, row.getTypeAt(k), ((GenericRowData) value).getField(k));
                }
                json.writeEndObject();
                return;
            }
            case ARRAY: {
                LogicalType element = ((ArrayType) type).getElementType();
                json.writeStartArray();
                for (Object item : ((GenericArrayData) value).toObjectArray()) {
                    writeNested(json, element, item);
                }
                json.writeEndArray();
                return;
            }
            case MAP: {
                MapType map = (MapType) type;
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) mapOf((GenericMapData) value)).entrySet()) {
                    json.writeFieldName(entry.getKey().toString());
                    writeNested(json, map.getValueType(), entry.getValue());
                }
                json.writeEndObject();
                return;
            }
            default:
                writeScalar(json, value);
        }
    }

    private static Map<Object, Object> mapOf(GenericMapData map) {
        Map<Object, Object> out = new java.util.LinkedHashMap<>();
        Object[] keys = ((GenericArrayData) map.keyArray()).toObjectArray();
        Object[] values = ((GenericArrayData) map.valueArray()).toObjectArray();
        for (int k = 0; k < keys.length; k++) {
            out.put(keys[k], values[k]);
        }
        return out;
    }

    private static void writeNested(JsonGenerator json, LogicalType type, Object value) throws IOException {
        if (value instanceof TimestampData) {
            String text = ((TimestampData) value).toLocalDateTime().format(NESTED_TIMESTAMP);
            json.writeString(type.getTypeRoot() == LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE ? text + "+00" : text);
        } else if (type.getTypeRoot() == LogicalTypeRoot.DATE && value instanceof Integer) {
            json.writeString(java.time.LocalDate.ofEpochDay((Integer) value).toString());
        } else {
            write(json, type, value);
        }
    }

    private static final java.time.format.DateTimeFormatter NESTED_TIMESTAMP =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private static void writeScalar(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Double) {
            json.writeString(Double.toString((Double) value));
        } else if (value instanceof Float) {
            json.writeString(Double.toString((Float) value)); // the float's exact value, as a double
        } else if (value instanceof DecimalData) {
            json.writeString(((DecimalData) value).toBigDecimal().toPlainString());
        } else if (value instanceof TimestampData) {
            TimestampData time = (TimestampData) value;
            json.writeNumber(time.getMillisecond() * 1000 + time.getNanoOfMillisecond() / 1000);
        } else if (value instanceof Boolean) {
            json.writeBoolean((Boolean) value);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            json.writeNumber(((Number) value).longValue());
        } else {
            json.writeString(value.toString());
        }
    }
}
