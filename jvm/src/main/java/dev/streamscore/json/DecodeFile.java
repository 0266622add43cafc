package dev.streamscore.json;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonEncoding;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonGenerator;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.TimestampData;
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

    /** Decodes {@code input} into {@code rowsPath} and {@code deadPath}; returns {rows, dead letters}. */
    static long[] decode(String spec, String input, String rowsPath, String deadPath) throws IOException {
        RecordDecoder decoder = RecordDecoder.fromSpec(spec);
        JsonFactory factory = new JsonFactory();
        long rows = 0;
        long dead = 0;
        try (InputStream in = new FileInputStream(input);
             OutputStream rowsOut = new BufferedOutputStream(new FileOutputStream(rowsPath), 1 << 20);
             OutputStream deadOut = new BufferedOutputStream(new FileOutputStream(deadPath), 1 << 16);
             JsonGenerator rowsJson = factory.createGenerator(rowsOut, JsonEncoding.UTF8);
             JsonGenerator deadJson = factory.createGenerator(deadOut, JsonEncoding.UTF8)) {
            rowsJson.setRootValueSeparator(null);
            deadJson.setRootValueSeparator(null);
            Lines lines = new Lines(in);
            String[] names = null; // c0, c1, ...
            long number = 0;
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
                        write(rowsJson, row.getField(i));
                    }
                    rowsJson.writeEndObject();
                    rowsJson.writeRaw('\n');
                    rows++;
                }
            }
        }
        return new long[] {rows, dead};
    }

    /** The lines of a stream split on LF (a last line without one included), read through one buffer. */
    private static final class Lines {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 20];
        private int start;
        private int end;
        private boolean eof;

        Lines(InputStream in) {
            this.in = in;
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
                int read = in.read(buffer, 0, buffer.length);
                if (read < 0) {
                    eof = true;
                } else {
                    end = read;
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

    private static void write(JsonGenerator json, Object value) throws IOException {
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
