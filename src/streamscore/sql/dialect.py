"""A sqlglot dialect for Flink SQL.

sqlglot ships no Flink dialect, and stock dialects read some Flink SQL with another meaning
(``FOR SYSTEM_TIME AS OF`` as time travel, window TVFs not at all). This dialect parses what Flink
means and keeps it in the tree as explicit nodes (:class:`WindowTableFunction`, :class:`TableArgument`,
:class:`Descriptor`, ``exp.Version`` for temporal joins), so translations can rewrite them or refuse.
It is registered as ``flink`` through the ``sqlglot.dialects`` entry point.
"""

from __future__ import annotations

from sqlglot import exp, parser, tokens
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.generator import Generator
from sqlglot.tokens import TokenType


# Milliseconds per unit of Flink's constant ``INTERVAL 'n' UNIT``.
INTERVAL_MILLISECONDS = {"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}


def interval_milliseconds(node: exp.Expr | None, units: dict[str, int] = INTERVAL_MILLISECONDS) -> int | None:
    """A constant ``INTERVAL 'n' UNIT`` (UNIT one of ``units``) in milliseconds, or None."""
    if not isinstance(node, exp.Interval) or not isinstance(node.this, exp.Literal) or node.args.get("unit") is None:
        return None
    unit = node.args["unit"].name.upper().rstrip("S")
    if unit not in units or not node.this.name.strip().isdigit():
        return None
    return int(node.this.name) * units[unit]


def with_clause(options: dict[str, str]) -> str:
    """``WITH ('k' = 'v', ...)`` with Flink's string quoting."""
    def quote(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    body = ",\n  ".join(f"{quote(k)} = {quote(v)}" for k, v in options.items())
    return f"WITH (\n  {body}\n)"


def decimal_precision(dtype: exp.DataType) -> tuple[int, int]:
    """(precision, scale) of a DECIMAL type; Flink's default is DECIMAL(10, 0)."""
    if not dtype.expressions:
        return 10, 0
    precision, scale = (int(e.name) for e in dtype.expressions)
    return precision, scale


class TableArgument(exp.Expression):
    """``TABLE t`` (optionally ``PARTITION BY k``) passed to a table function."""

    arg_types = {"this": True, "partition_by": False}


class Descriptor(exp.Expression):
    """``DESCRIPTOR(col, ...)``: names columns of the table argument."""

    arg_types = {"expressions": True}


class MetadataColumn(exp.Expression):
    """``METADATA [FROM 'key'] [VIRTUAL]`` on a column: a value the connector supplies (Kafka offset, ...)."""

    arg_types = {"this": False, "virtual": False}


class CreateModel(exp.Expression):
    """``CREATE [TEMPORARY] MODEL m INPUT (...) OUTPUT (...) [COMMENT '...'] WITH (...)`` (Flink 2.1+)."""

    arg_types = {"this": True, "inputs": True, "outputs": True, "properties": False, "temporary": False,
                 "exists": False, "comment": False}


class ModelArgument(exp.Expression):
    """``MODEL m`` passed to ML_PREDICT."""

    arg_types = {"this": True}


class MLPredict(exp.Expression):
    """``ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(cols) [, config])`` in a FROM clause."""

    arg_types = {"expressions": True, "alias": False}

    @property
    def alias(self) -> str:
        return self.args["alias"].name if self.args.get("alias") else ""


class WindowTableFunction(exp.Expression):
    """``TABLE(TUMBLE|HOP|CUMULATE|SESSION(...))`` in a FROM clause.

    ``this`` is the upper-case function name, ``expressions`` its arguments in order; named
    arguments (``SIZE => INTERVAL ...``) are ``exp.Kwarg`` nodes.
    """

    arg_types = {"this": True, "expressions": True, "alias": False}

    @property
    def alias(self) -> str:
        return self.args["alias"].name if self.args.get("alias") else ""


# Functions parsed as exp.Anonymous(name, args): their Flink meaning is spelled out per engine.
FLINK_FUNCTIONS = frozenset({
    "CONCAT", "CONCAT_WS", "DATE_FORMAT", "TO_TIMESTAMP", "TO_TIMESTAMP_LTZ", "UNIX_TIMESTAMP", "FROM_UNIXTIME",
    "TIMESTAMPADD", "TIMESTAMPDIFF", "SPLIT_INDEX", "REGEXP_EXTRACT", "REGEXP_REPLACE", "REGEXP", "IF",
    "LOCATE", "INSTR", "LPAD", "RPAD", "TRUNCATE", "ROUND", "MOD", "DAYOFWEEK", "DAYOFMONTH", "DAYOFYEAR",
    "WEEK", "QUARTER", "YEAR", "MONTH", "HOUR", "MINUTE", "SECOND", "LISTAGG", "JSON_QUERY", "INITCAP",
    "REVERSE", "REPEAT", "LEFT", "RIGHT", "ASCII", "SUBSTR", "POWER", "LN", "LOG10", "SIGN", "SQRT", "ABS",
    "GREATEST", "LEAST", "CHAR_LENGTH", "UPPER", "LOWER", "LTRIM", "RTRIM", "REPLACE",
    "LOG", "LOG2", "EXP", "SIN", "COS", "TAN", "COT", "ASIN", "ACOS", "ATAN", "ATAN2", "SINH", "COSH", "TANH",
    "DEGREES", "RADIANS", "PI", "E", "BIN", "HEX", "MD5", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA2",
    "CHARACTER_LENGTH", "CHR", "TO_BASE64", "FROM_BASE64", "STARTSWITH", "ENDSWITH", "BTRIM", "TRANSLATE", "ELT",
    "IS_ALPHA", "IS_DIGIT", "IS_DECIMAL", "REGEXP_COUNT", "REGEXP_INSTR", "REGEXP_SUBSTR", "PARSE_URL",
    "URL_ENCODE", "URL_DECODE", "TO_DATE", "CONVERT_TZ", "JSON_EXISTS", "JSON_STRING", "JSON_QUOTE",
    "JSON_UNQUOTE", "STREAMSCORE_AUC", "STREAMSCORE_PSI",
})


def _indexes_as_written(node):
    """Brackets parsed at offset 0 marked 1-based: no generator shifts their indexes (Flink's and DuckDB's
    arr[1] are both the first element)."""
    for bracket in node.find_all(exp.Bracket) if isinstance(node, exp.Expr) else ():
        if "offset" not in bracket.args:
            bracket.set("offset", 1)
    return node


class FlinkTokenizer(tokens.Tokenizer):
    IDENTIFIERS = ["`"]
    QUOTES = ["'"]
    STRING_ESCAPES = ["'"]
    KEYWORDS = {
        **tokens.Tokenizer.KEYWORDS,
        "STRING": TokenType.TEXT,
        "BYTES": TokenType.VARBINARY,
        "TIMESTAMP_LTZ": TokenType.TIMESTAMPLTZ,
        "MODEL": TokenType.MODEL,
        "MATCH_RECOGNIZE": TokenType.MATCH_RECOGNIZE,
        "ROW": TokenType.STRUCT,  # ROW<a INT> / ROW(a INT) is Flink's struct type; ROW(x, y) its constructor
    }
    # EXECUTE would swallow the rest of the statement as an opaque command string; Flink's
    # EXECUTE STATEMENT SET BEGIN ... END holds real statements.
    COMMANDS = tokens.Tokenizer.COMMANDS - {TokenType.EXECUTE}


class FlinkParser(parser.Parser):
    CONSTRAINT_PARSERS = {
        **parser.Parser.CONSTRAINT_PARSERS,
        "WATERMARK": lambda self: self.expression(
            exp.WatermarkColumnConstraint(
                this=self._match(TokenType.FOR) and self._parse_column(),
                expression=self._match(TokenType.ALIAS) and self._parse_disjunction(),
            )
        ),
    }
    CONSTRAINT_PARSERS["METADATA"] = lambda self: self.expression(MetadataColumn(
        this=self._match(TokenType.FROM) and self._parse_string(),
        virtual=self._match_text_seq("VIRTUAL"),
    ))
    SCHEMA_UNNAMED_CONSTRAINTS = {*parser.Parser.SCHEMA_UNNAMED_CONSTRAINTS, "WATERMARK"}

    # Nested types: ``ARRAY<STRING NOT NULL>``, ``MAP<STRING NOT NULL, INT>``, ``ROW<a INT NOT NULL>`` and
    # ``ROW(a INT)``; a nested type's own NOT NULL is kept as ``nullable=False`` on it (DuckDB ignores it).
    _type_depth = 0

    def _parse_types(self, check_func=False, schema=False, allow_identifiers=True, with_collation=False):
        self._type_depth += 1
        try:
            this = super()._parse_types(check_func=check_func, schema=schema, allow_identifiers=allow_identifiers,
                                        with_collation=with_collation)
        finally:
            self._type_depth -= 1
        if self._type_depth > 0 and isinstance(this, exp.DataType):  # inside another type: its own NOT NULL
            if self._match_text_seq("NOT", "NULL"):
                this.set("nullable", False)
            elif self._match(TokenType.NULL):
                this.set("nullable", True)
        return this

    def _parse_json_key_value(self):
        """``KEY k VALUE v``: Flink takes any expression as the value (``VALUE status = 'paid'``)."""
        self._match_text_seq("KEY")
        key = self._parse_column()
        self._match_set(self.JSON_KEY_VALUE_SEPARATOR_TOKENS)
        self._match_text_seq("VALUE")
        value = self._parse_disjunction()
        if not key and not value:
            return None
        return self.expression(exp.JSONKeyValue(this=key, expression=value))

    def _parse_bracket(self, this=None):
        return _indexes_as_written(super()._parse_bracket(this))

    # SESSION(ts, gap) is a legacy group window function in Flink, not a keyword.
    FUNC_TOKENS = {*parser.Parser.FUNC_TOKENS, TokenType.SESSION}

    # Flink functions whose namesakes in sqlglot's base parser mean something else: kept as
    # exp.Anonymous so that each engine decides what they mean (see functions.FUNCTIONS).
    FUNCTIONS = {name: builder for name, builder in parser.Parser.FUNCTIONS.items() if name not in FLINK_FUNCTIONS}
    FUNCTIONS["ROW"] = exp.Struct.from_arg_list  # ROW(x, y): a row of unnamed fields (EXPR$0, EXPR$1)

    FUNCTION_PARSERS = {
        **{name: p for name, p in parser.Parser.FUNCTION_PARSERS.items() if name not in FLINK_FUNCTIONS},
        "JSON_VALUE": lambda self: self._parse_json_value(json_path=False),
    }

    # In Flink, FOR SYSTEM_TIME AS OF only means an event-time temporal join.
    VERSION_PHRASES = {("FOR", "SYSTEM_TIME"): "SYSTEM_TIME"}

    # MATCH_RECOGNIZE's ``PATTERN (...) WITHIN INTERVAL ...`` (Flink's time bound on a match): sqlglot's parser
    # reads DEFINE right after the pattern, so the WITHIN clause is read there and kept as the node's ``within``.
    _match_within: exp.Expr | None = None

    def _parse_match_recognize(self):
        self._match_within = None
        node = super()._parse_match_recognize()
        if node is not None and self._match_within is not None:
            node.set("within", self._match_within)
        self._match_within = None
        return node

    def _match_text_seq(self, *texts, advance=True):
        if texts == ("DEFINE",) and advance and self._curr and self._curr.text.upper() == "WITHIN":
            self._advance()
            self._match_within = self._parse_interval() or self.raise_error("Expecting INTERVAL after WITHIN")
        return super()._match_text_seq(*texts, advance=advance)

    def _parse_create(self):
        index = self._index
        temporary = self._match(TokenType.TEMPORARY)
        if self._match(TokenType.MODEL):
            return self._parse_create_model(bool(temporary))
        self._retreat(index)
        return super()._parse_create()

    def _parse_create_model(self, temporary: bool) -> CreateModel:
        exists = self._parse_exists(not_=True)
        name = self._parse_table_parts(schema=True)
        inputs = outputs = None
        if self._match_text_seq("INPUT"):
            inputs = self._parse_schema()
        if self._match_text_seq("OUTPUT"):
            outputs = self._parse_schema()
        comment = self._match(TokenType.COMMENT) and self._parse_string()
        properties = self._parse_properties()
        return self.expression(CreateModel(this=name, inputs=inputs, outputs=outputs, properties=properties,
                                           temporary=temporary, exists=exists, comment=comment or None))

    def _parse_table(self, schema=False, joins=False, alias_tokens=None, parse_bracket=False,
                     is_db_reference=False, parse_partition=False, consume_pipe=False):
        if (
            not schema
            and self._curr
            and self._curr.text.upper() == "ML_PREDICT"
            and self._next
            and self._next.token_type == TokenType.L_PAREN
        ):
            start = self._curr
            self._advance(2)
            node = self.expression(MLPredict(expressions=self._parse_csv(self._parse_table_function_argument)))
            self._match_r_paren()
            node.update_positions(start)
            alias = self._parse_table_alias(alias_tokens=self.TABLE_ALIAS_TOKENS)
            if alias:
                node.set("alias", alias)
            return node
        if (
            not schema
            and self._curr
            and self._curr.token_type == TokenType.TABLE
            and self._next
            and self._next.token_type == TokenType.L_PAREN
        ):
            return self._parse_window_table_function()
        return super()._parse_table(schema=schema, joins=joins, alias_tokens=alias_tokens,
                                    parse_bracket=parse_bracket, is_db_reference=is_db_reference,
                                    parse_partition=parse_partition, consume_pipe=consume_pipe)

    def _parse_window_table_function(self) -> exp.Expr:
        self._match(TokenType.TABLE)
        table_token = self._prev
        self._match_l_paren()
        name = self._parse_var(any_token=True)
        self._match_l_paren()
        args = self._parse_csv(self._parse_table_function_argument)
        self._match_r_paren()
        self._match_r_paren()
        node = self.expression(WindowTableFunction(this=name.name.upper(), expressions=args))
        node.update_positions(table_token)  # errors point at TABLE(
        alias = self._parse_table_alias(alias_tokens=self.TABLE_ALIAS_TOKENS)
        if alias:
            node.set("alias", alias)
        return node

    def _parse_table_function_argument(self) -> exp.Expr | None:
        if self._curr.token_type in (TokenType.VAR, TokenType.IDENTIFIER) and self._next \
                and self._next.token_type == TokenType.FARROW:
            key = self._parse_var(any_token=True)
            self._match(TokenType.FARROW)
            return self.expression(exp.Kwarg(this=key, expression=self._parse_table_function_argument()))
        if self._match(TokenType.MODEL):
            return self.expression(ModelArgument(this=self._parse_table_parts()))
        if self._match(TokenType.TABLE):
            table = self._parse_table_parts()
            partition = None
            if self._match(TokenType.PARTITION_BY):
                # PARTITION BY k  or  PARTITION BY (k1, k2): a bare list would swallow the next arguments
                partition = self._parse_wrapped_csv(self._parse_column) if self._curr.token_type == TokenType.L_PAREN \
                    else [self._parse_column()]
            return self.expression(TableArgument(this=table, partition_by=partition))
        if self._curr.text.upper() == "DESCRIPTOR" and self._next and self._next.token_type == TokenType.L_PAREN:
            self._advance()
            return self.expression(Descriptor(expressions=self._parse_wrapped_csv(self._parse_column)))
        return self._parse_assignment()


def _window_table_function_sql(self: Generator, node: WindowTableFunction) -> str:
    sql = f"TABLE({node.this}({self.expressions(node, flat=True)}))"
    return f"{sql} AS {self.sql(node, 'alias')}" if node.args.get("alias") else sql


def _table_argument_sql(self: Generator, node: TableArgument) -> str:
    partition = node.args.get("partition_by")
    suffix = f" PARTITION BY {', '.join(self.sql(p) for p in partition)}" if partition else ""
    return f"TABLE {self.sql(node, 'this')}{suffix}"


class FlinkGenerator(Generator):
    TYPE_MAPPING = {
        **Generator.TYPE_MAPPING,
        exp.DType.TEXT: "STRING",
        exp.DType.VARBINARY: "BYTES",
        exp.DType.TIMESTAMPLTZ: "TIMESTAMP_LTZ",
    }
    TRANSFORMS = {
        **Generator.TRANSFORMS,
        WindowTableFunction: _window_table_function_sql,
        TableArgument: _table_argument_sql,
        Descriptor: lambda self, e: f"DESCRIPTOR({self.expressions(e, flat=True)})",
        MetadataColumn: lambda self, e: "METADATA" + (f" FROM {self.sql(e, 'this')}" if e.this else "")
        + (" VIRTUAL" if e.args.get("virtual") else ""),
        exp.DayOfWeek: lambda self, e: f"DAYOFWEEK({self.sql(e, 'this')})",
        exp.Kwarg: lambda self, e: f"{self.sql(e, 'this')} => {self.sql(e, 'expression')}",
        ModelArgument: lambda self, e: f"MODEL {self.sql(e, 'this')}",
        MLPredict: lambda self, e: f"ML_PREDICT({self.expressions(e, flat=True)})"
        + (f" AS {self.sql(e, 'alias')}" if e.args.get("alias") else ""),
        exp.WatermarkColumnConstraint: lambda self, e: (
            f"WATERMARK FOR {self.sql(e, 'this')} AS {self.sql(e, 'expression')}"
        ),
    }

    STRUCT_DELIMITER = ("<", ">")

    def bracket_offset_expressions(self, expression: exp.Bracket, index_offset: int | None = None):
        return expression.expressions  # Flink's indexes as written

    def datatype_sql(self, expression: exp.DataType) -> str:
        sql = super().datatype_sql(expression)
        if expression.this == exp.DType.STRUCT:  # Flink spells it ROW<name type, ...>
            sql = "ROW" + sql[len("STRUCT"):]
        return sql + (" NOT NULL" if expression.args.get("nullable") is False else "")

    def property_sql(self, expression: exp.Property) -> str:
        # Flink connector options are quoted strings on both sides: 'key' = 'value'
        return f"'{expression.name}' = {self.sql(expression, 'value')}"

    def version_sql(self, expression: exp.Version) -> str:
        return f"FOR SYSTEM_TIME AS OF {self.sql(expression, 'expression')}"


class Flink(Dialect):
    NORMALIZATION_STRATEGY = NormalizationStrategy.CASE_SENSITIVE
    # arr[1] is the first element in Flink and DuckDB alike: an index is kept as written (brackets are marked
    # with offset 1, so DuckDB's generator adds nothing), whatever its type (sqlglot shifts only typed ones).
    INDEX_OFFSET = 0
    Tokenizer = FlinkTokenizer
    Parser = FlinkParser
    Generator = FlinkGenerator


class CaseSensitiveDuckDB(DuckDB):
    """DuckDB SQL resolved with Flink's rule for names: case-sensitive, quoted or not.

    The translation qualifies and types a query against the job's schema in this dialect: DuckDB's own
    would fold `dateTime` to `datetime`, miss it in the schema and lose its type. (DuckDB itself matches
    names case-insensitively, so the SQL it gets runs either way.)"""

    NORMALIZATION_STRATEGY = NormalizationStrategy.CASE_SENSITIVE


class DuckDBAsWritten(DuckDB):
    """DuckDB SQL that streamscore writes, read with its indexes as written: arr[i + 1] stays i + 1.

    sqlglot's DuckDB reader shifts an index it can type (a literal) to 0-based and leaves one it cannot (a
    column) as written, and the generator later shifts every index it has typed by then: a template's
    column index would be shifted twice. Read at offset 0 and marked 1-based, no index is ever shifted."""

    INDEX_OFFSET = 0

    class Parser(DuckDB.Parser):
        def _parse_bracket(self, this=None):
            return _indexes_as_written(super()._parse_bracket(this))
