"""Flink SQL files -> one parsed job object (the thing that crosses the engine boundary).

A job is the project's table files (``sql/*.sql``, in name order) followed by one job file. Each
statement keeps its original text and position: Flink runs the text as written (only a table's WITH
clause is rebound per profile), DuckDB runs a translation of the parsed tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError as SqlglotParseError
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from streamscore.errors import ParseError, SqlError
from streamscore.sql.dialect import CreateModel, Flink, MetadataColumn, MLPredict


@dataclass(frozen=True)
class Statement:
    path: Path
    line: int
    column: int
    text: str
    tree: exp.Expr
    with_clause_at: int | None = None  # offset in ``text`` of a CREATE TABLE's top-level WITH
    query_at: int | None = None  # offset in ``text`` of an INSERT's query
    replay_head: str | None = None  # CREATE TABLE up to WITH, METADATA columns made physical (for replays)
    # Why the replay's parser could not read the statement (then ``tree`` is a bare Command): Flink still runs
    # the text as written, and only a replay that needs the statement refuses it with this reason.
    unparsed: str | None = None
    names: tuple[str, ...] = ()  # the identifiers of an unparsed statement (the tables it may read)
    like_at: int | None = None  # offset in ``text`` of a CREATE TABLE's ``LIKE base [(options)]``

    def error(self, cls, message: str, node: exp.Expr | None = None, hint: str | None = None):
        """An error of class ``cls`` located at ``node`` (or at the statement's start)."""
        line, column = self.line, self.column
        # Positions live on the nodes made from tokens (identifiers, literals): take the first one.
        start = next((n.meta["start"] for n in node.walk() if n.meta and "start" in n.meta), None) \
            if node is not None else None
        if start is not None:  # offset in the statement text -> position in the file
            before = self.text[:start]
            newlines = before.count("\n")
            line = self.line + newlines
            column = (self.column + start) if newlines == 0 else start - before.rfind("\n")
        if issubclass(cls, SqlError):
            return cls(message, self.path, line, column, hint)
        return cls(f"{self.path}:{line}:{column}: {message}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: exp.DataType | None  # None for computed columns (the engine infers it)
    computed: exp.Expr | None = None
    metadata: str | None = None  # METADATA FROM 'key' (Kafka offset, timestamp, ...)
    not_null: bool = False  # declared NOT NULL (a sink's enforcer checks it)

    @property
    def is_physical(self) -> bool:
        return self.computed is None and self.metadata is None

    @property
    def in_replay_file(self) -> bool:
        """Physical and metadata columns: a replay reads both from the input file."""
        return self.computed is None


REPLAY_CANNOT = "Flink can run this job; the replay cannot"


@dataclass(frozen=True)
class TableDef:
    name: str
    columns: list[ColumnDef]
    watermark: tuple[str, exp.Expr] | None
    primary_key: list[str]
    options: dict[str, str]
    statement: Statement
    like: "Like | None" = None  # CREATE TABLE ... LIKE base: columns, watermark, options merged in above
    # CREATE TABLE ... AS SELECT: the query whose columns the table takes (Flink decides their types; until a
    # Flink engine has resolved them, ``columns`` is empty and the DuckDB replay keeps the query's own)
    as_select: exp.Query | None = None

    @property
    def unparsed(self) -> bool:
        """Declared in SQL the replay's parser cannot read: only Flink knows its columns."""
        return self.statement.unparsed is not None

    @property
    def rowtime(self) -> str | None:
        return self.watermark[0] if self.watermark else None

    def column(self, name: str) -> ColumnDef:
        return next(c for c in self.columns if c.name == name)

    @property
    def not_null(self) -> list[str]:
        """Columns no row may hold NULL in: declared NOT NULL, or in the primary key (NOT NULL in Flink)."""
        return list(dict.fromkeys([*(c.name for c in self.columns if c.not_null), *self.primary_key]))


@dataclass(frozen=True)
class Like:
    """``LIKE base (INCLUDING ALL EXCLUDING OPTIONS ...)``: the base table and its like options as written."""

    base: str
    options: tuple[tuple[str, str], ...]  # (INCLUDING | EXCLUDING | OVERWRITING, ALL | OPTIONS | ...)

    def includes(self, feature: str) -> bool:
        """Flink's rule: the last option naming the feature (or ALL) decides; the default includes all."""
        verdict = "INCLUDING"
        for verb, named in self.options:
            if named in (feature, "ALL"):
                verdict = verb
        return verdict != "EXCLUDING"

    def for_flink(self) -> str:
        """The clause as Flink is given it: the table's WITH clause already holds the merged options."""
        kept = " ".join(f"{verb} {named}" for verb, named in self.options if named != "OPTIONS")
        return f"LIKE {self.base} ({kept + ' ' if kept else ''}EXCLUDING OPTIONS)"


LIKE_VERBS = {"INCLUDING", "EXCLUDING", "OVERWRITING"}


@dataclass(frozen=True)
class ViewDef:
    name: str
    query: exp.Query | None  # None: the statement is unparsed (Flink runs its text)
    statement: Statement


@dataclass(frozen=True)
class FunctionDef:
    name: str
    target: str  # 'module.attribute' of the Python object
    statement: Statement


@dataclass(frozen=True)
class ModelDef:
    """``CREATE MODEL``: a model's declared inputs and outputs and its WITH options (provider, path, version)."""

    name: str
    inputs: list[ColumnDef]
    outputs: list[ColumnDef]
    options: dict[str, str]
    statement: Statement


@dataclass(frozen=True)
class InsertDef:
    sink: str
    columns: list[str] | None
    query: exp.Query | None  # None: the statement is unparsed (Flink runs its text)
    statement: Statement


@dataclass
class Job:
    path: Path
    statements: list[Statement] = field(default_factory=list)
    tables: dict[str, TableDef] = field(default_factory=dict)
    views: dict[str, ViewDef] = field(default_factory=dict)
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    models: dict[str, ModelDef] = field(default_factory=dict)
    inserts: list[InsertDef] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    # From Flink's plan (its check): sink -> the column Flink copies into each record's timestamp
    sink_timestamps: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def sinks(self) -> list[TableDef]:
        names = dict.fromkeys(i.sink for i in self.inserts)
        return [self.tables[n] for n in names]

    def views_calling(self, functions: set[str]) -> set[str]:
        """Views that call any of ``functions`` or ML_PREDICT, directly or through other views."""
        calling: set[str] = set()
        for name, view in self.views.items():  # declaration order: a view only reads earlier views
            if view.query is None:  # unparsed: any name in it may be a call or a table
                called = read = set(view.statement.names)
                predicts = "ML_PREDICT" in {n.upper() for n in read}
            else:
                called = {f.name.lower() for f in view.query.find_all(exp.Anonymous)}
                read = {t.name for t in view.query.find_all(exp.Table)}
                predicts = view.query.find(MLPredict) is not None
            if called & {f.lower() for f in functions} or read & calling or predicts:
                calling.add(name)
        return calling

    @property
    def sources(self) -> list[TableDef]:
        """Tables the job reads (directly or through views), in declaration order."""
        read = set()  # window TVFs' and ML_PREDICT's TABLE arguments hold exp.Table nodes too
        for query, stmt in [*((v.query, v.statement) for v in self.views.values()),
                            *((i.query, i.statement) for i in self.inserts)]:
            if query is None:  # unparsed: every declared table it names
                read.update(stmt.names)
            else:
                read.update(t.name for t in query.find_all(exp.Table))
        return [t for name, t in self.tables.items() if name in read]

    @property
    def unparsed(self) -> list[Statement]:
        """Statements Flink runs as written that the replay's parser could not read."""
        return [s for s in self.statements if s.unparsed is not None]

    def check_replayable(self) -> None:
        """Raise the replay's refusal when a statement it needs is unparsed (Flink runs such a job as written)."""
        from streamscore.errors import TranslationError

        used = {t.name for t in [*self.sources, *self.sinks]}
        unused_tables = {id(t.statement) for t in self.tables.values() if t.name not in used}
        for stmt in self.unparsed:
            if id(stmt) in unused_tables:
                continue
            raise TranslationError(f"{REPLAY_CANNOT}: {stmt.unparsed}", stmt.path, stmt.line, stmt.column,
                                   "run it on Flink (`streamscore run`, `replay --engine flink`), or write the "
                                   "statement in SQL the replay reads")


def split_statements(text: str, path: Path) -> list[tuple[int, int, str, list[Token]]]:
    """Top-level ``;``-separated statements as (line, column, text, tokens).

    ``EXECUTE STATEMENT SET BEGIN ... END;`` is unwrapped: its INSERTs become statements of their own,
    which is what it means (one job for all of them) since streamscore runs every INSERT of a file as
    one statement set anyway.
    """
    try:
        tokens = Flink().tokenize(text)
    except TokenError as error:
        raise ParseError(str(error), path) from None
    statements, current = [], []

    def flush():
        if current:
            start, end = current[0].start, current[-1].end + 1
            statements.append((current[0].line, current[0].col - (current[0].end - current[0].start), text[start:end],
                               list(current)))
            current.clear()

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        words = [t.text.upper() for t in tokens[i:i + 4]]
        if not current and words == ["EXECUTE", "STATEMENT", "SET", "BEGIN"]:
            i += 4
            continue
        if not current and words[:1] == ["END"] and (i + 1 == len(tokens) or tokens[i + 1].token_type == TokenType.SEMICOLON):
            i += 2
            continue
        if tok.token_type == TokenType.SEMICOLON:
            flush()
        else:
            current.append(tok)
        i += 1
    flush()
    return statements


def _parse(text: str, path: Path, line: int, column: int) -> exp.Expr:
    try:
        tree = sqlglot.parse_one(text, read=Flink)
    except (SqlglotParseError, TokenError) as error:
        detail = error.errors[0] if getattr(error, "errors", None) else {}
        err_line = detail.get("line")
        abs_line = line + err_line - 1 if err_line else line
        desc = detail.get("description") or str(error).splitlines()[0]
        raise ParseError(f"cannot parse statement: {desc}", path, abs_line, detail.get("col")) from None
    if isinstance(tree, exp.Command):
        raise ParseError(f"unsupported statement: {text.split()[0].upper()} ...", path, line, column)
    return tree


def _top_level_with(tokens: list[Token]) -> int | None:
    """The index of a CREATE TABLE's top-level WITH token (its connector options), or None."""
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type == TokenType.WITH:
            return i
    return None


def _with_clause_offset(tokens: list[Token]) -> int | None:
    at = _top_level_with(tokens)
    return None if at is None else tokens[at].start - tokens[0].start


def _without_metadata(text: str, tokens: list[Token]) -> str | None:
    """The CREATE TABLE text with every column's ``METADATA [FROM 'k'] [VIRTUAL]`` cut out, or None."""
    base, depth, cuts, start = tokens[0].start, 0, [], None
    for tok in tokens:
        if start is not None and depth == 1 and tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
            cuts.append((start, tok.start - base))
            start = None
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 1 and tok.text.upper() == "METADATA":
            start = tok.start - base
    for begin, end in reversed(cuts):
        text = text[:begin].rstrip() + text[end:]
    return text if cuts else None


def _insert_query_offset(tokens: list[Token]) -> int:
    """Where the query of ``INSERT INTO t [(cols)] <query>`` starts."""
    i = 2  # INSERT INTO | INSERT OVERWRITE
    while i < len(tokens) and (tokens[i].token_type == TokenType.DOT or tokens[i - 1].token_type == TokenType.DOT
                               or i == 2):
        i += 1
    if tokens[i].token_type == TokenType.L_PAREN and tokens[i + 1].token_type not in (TokenType.SELECT, TokenType.WITH):
        while tokens[i].token_type != TokenType.R_PAREN:
            i += 1
        i += 1
    return tokens[i].start - tokens[0].start


def _string_value(node: exp.Expr) -> str:
    return node.name if isinstance(node, exp.Literal) else node.sql(Flink)


def table_def(tree: exp.Create, stmt: Statement) -> TableDef:
    schema = tree.this
    name = schema.this.name
    columns, watermark, primary_key = [], None, []
    for item in schema.expressions:
        if isinstance(item, exp.WatermarkColumnConstraint):
            watermark = (item.this.name, item.expression)
        elif isinstance(item, exp.PrimaryKey):
            primary_key = [e.name for e in item.expressions]
        elif isinstance(item, exp.ColumnDef):
            computed = metadata = None
            not_null = False
            for constraint in item.constraints:
                kind = constraint.kind
                not_null = not_null or isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null")
                if isinstance(kind, exp.ComputedColumnConstraint):
                    computed = kind.this
                elif isinstance(kind, MetadataColumn):
                    metadata = kind.name if kind.this else item.name
                elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                    primary_key = [item.name]
            columns.append(ColumnDef(item.name, item.args.get("kind"), computed, metadata, not_null))
        else:
            raise stmt.error(ParseError, f"unsupported table element `{item.sql(Flink)}` in {name}", item)
    options = {}
    properties = tree.args.get("properties")
    for prop in properties.expressions if properties else []:
        # connector options only: TEMPORARY, PARTITIONED BY, COMMENT are properties too (Flink reads them)
        if type(prop) is exp.Property:
            options[prop.name] = _string_value(prop.args["value"])
    return TableDef(name, columns, watermark, primary_key, options, stmt)


def parse_job(job_path: Path, table_files: list[Path] = ()) -> Job:
    """Parse the table files then the job file into one :class:`Job`, checking names as it goes."""
    job = Job(path=Path(job_path))
    for path in [*table_files, Path(job_path)]:
        try:
            text = path.read_text()
        except OSError as error:
            raise ParseError(f"cannot read: {error.strerror}", path) from None
        for line, column, stmt_text, tokens in split_statements(text, path):
            try:
                tree = _parse(_without_like_options(stmt_text, tokens), path, line, column)
            except ParseError as error:
                _add_unparsed(job, Statement(path, line, column, stmt_text, exp.Command(this="UNPARSED")),
                              tokens, error)
                continue
            stmt = Statement(path, line, column, stmt_text, tree)
            _add(job, stmt, tokens)
    return job


def _like_clause(tokens: list[Token]) -> tuple[int, Like, int] | None:
    """A CREATE TABLE's top-level ``LIKE base [(options)]``: (its token index, the clause, the index after it)."""
    if [t.text.upper() for t in tokens[:1]] != ["CREATE"] or not any(t.text.upper() == "TABLE" for t in tokens[:4]):
        return None
    depth = 0
    for i, tok in enumerate(tokens):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if depth == 0 and tok.token_type == TokenType.LIKE and i + 1 < len(tokens):
            end = i + 2
            while end + 1 < len(tokens) and tokens[end].token_type == TokenType.DOT:
                end += 2
            base = tokens[end - 1].text
            options = []
            if end < len(tokens) and tokens[end].token_type == TokenType.L_PAREN:
                words = []
                end += 1
                while end < len(tokens) and tokens[end].token_type != TokenType.R_PAREN:
                    words.append(tokens[end].text.upper())
                    end += 1
                end += 1
                options = [(words[k], words[k + 1]) for k in range(0, len(words) - 1, 2) if words[k] in LIKE_VERBS]
            return i, Like(base, tuple(options)), end
    return None


def _without_like_options(text: str, tokens: list[Token]) -> str:
    """The statement for the replay's parser: a LIKE clause's options cut (read from the tokens instead)."""
    found = _like_clause(tokens)
    if found is None:
        return text
    at, like, end = found
    base = tokens[0].start
    cut_from = tokens[at].start - base
    cut_to = tokens[end - 1].end + 1 - base if end - 1 < len(tokens) else len(text)
    return f"{text[:cut_from]}LIKE {like.base}{text[cut_to:]}"


def _add_unparsed(job: Job, stmt: Statement, tokens: list[Token], error: ParseError) -> None:
    """A CREATE TABLE/VIEW or INSERT the replay's parser cannot read still goes to Flink as written (its kind
    and name read from its tokens); any other statement it cannot read is an error."""
    words = [t.text.upper() for t in tokens]
    kind, at = _unparsed_kind(words)
    if kind is None:
        raise error
    name_end = at
    while name_end + 2 < len(tokens) and tokens[name_end + 1].token_type == TokenType.DOT:
        name_end += 2  # catalog.database.name: the last part names it
    name = tokens[name_end].text
    where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
    identifiers = tuple(t.text for t in tokens if t.token_type in (TokenType.VAR, TokenType.IDENTIFIER))
    stmt = dataclasses.replace(stmt, unparsed=f"{error.message} ({where})", names=identifiers)
    if kind == "INSERT":
        if name not in job.tables:
            raise stmt.error(ParseError, f"INSERT INTO unknown table `{name}`",
                             hint="declare it with CREATE TABLE in sql/*.sql or in the job file")
        query_at = _insert_query_offset(tokens)
        read = tuple(t.text for t in tokens if t.start - tokens[0].start >= query_at
                     and t.token_type in (TokenType.VAR, TokenType.IDENTIFIER))  # not the sink itself
        stmt = dataclasses.replace(stmt, query_at=query_at, names=read)
        job.inserts.append(InsertDef(name, None, None, stmt))
    elif kind == "VIEW":
        _check_new(job, name, stmt)
        job.views[name] = ViewDef(name, None, stmt)
    else:
        _check_new(job, name, stmt)
        stmt = dataclasses.replace(stmt, with_clause_at=_with_clause_offset(tokens))
        job.tables[name] = TableDef(name, [], None, [], _options_from_tokens(tokens), stmt)
    job.statements.append(stmt)


def _unparsed_kind(words: list[str]) -> tuple[str | None, int]:
    """('VIEW' | 'TABLE' | 'INSERT', index of the name's first token) of a statement, or (None, 0)."""
    if words[:1] == ["INSERT"] and words[1:2] in (["INTO"], ["OVERWRITE"]):
        return "INSERT", 2
    if words[:1] != ["CREATE"]:
        return None, 0
    i = 1
    if words[i:i + 2] == ["OR", "REPLACE"]:
        i += 2
    if words[i:i + 1] == ["TEMPORARY"]:
        i += 1
    if words[i:i + 1] not in (["VIEW"], ["TABLE"]):
        return None, 0
    kind, i = words[i], i + 1
    if words[i:i + 3] == ["IF", "NOT", "EXISTS"]:
        i += 3
    return kind, i


def _options_from_tokens(tokens: list[Token]) -> dict[str, str]:
    """A CREATE TABLE's top-level WITH ('key' = 'value', ...) options, read from its tokens."""
    at = _top_level_with(tokens)
    if at is None:
        return {}
    options, i = {}, at + 2
    while i + 2 < len(tokens) and tokens[i + 1].token_type == TokenType.EQ:
        options[tokens[i].text] = tokens[i + 2].text
        i += 4  # 'key' = 'value' ,
    return options


def _add(job: Job, stmt: Statement, tokens: list[Token]) -> None:
    tree = stmt.tree
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and isinstance(tree.expression, exp.Query):
        _add_table_as_select(job, stmt, tokens)
        return
    if isinstance(tree, exp.Create) and tree.kind == "TABLE":
        with_at = _with_clause_offset(tokens)
        like = _like_clause(tokens)
        like_at = tokens[like[0]].start - tokens[0].start if like else None
        head_end = with_at if with_at is not None else like_at
        replay_head = _without_metadata(stmt.text[:head_end] if head_end is not None else stmt.text, tokens)
        stmt = Statement(stmt.path, stmt.line, stmt.column, stmt.text, tree, with_at, replay_head=replay_head,
                         like_at=like_at)
        table = table_def(tree, stmt)
        if like:
            table = _merged_like(job, table, like[1])
        _check_new(job, table.name, stmt)
        job.tables[table.name] = table
    elif isinstance(tree, CreateModel):
        name = tree.this.name
        if name in job.models:
            raise stmt.error(ParseError, f"model `{name}` is declared twice", tree)
        columns = {key: [ColumnDef(c.name, c.args.get("kind")) for c in (tree.args.get(key) or exp.Schema()).expressions]
                   for key in ("inputs", "outputs")}
        properties = tree.args.get("properties")
        options = {p.name: _string_value(p.args["value"]) for p in (properties.expressions if properties else [])
                   if isinstance(p, exp.Property)}
        job.models[name] = ModelDef(name, columns["inputs"], columns["outputs"], options, stmt)
    elif isinstance(tree, exp.Create) and tree.kind == "VIEW":
        name = tree.this.name
        _check_new(job, name, stmt)
        job.views[name] = ViewDef(name, tree.expression, stmt)
    elif isinstance(tree, exp.Create) and tree.kind == "FUNCTION":
        language = tree.find(exp.LanguageProperty)
        if not language or language.name.upper() != "PYTHON":
            raise stmt.error(ParseError, "only LANGUAGE PYTHON functions are supported", tree)
        target = tree.expression.name if tree.expression else ""
        job.functions[tree.this.name] = FunctionDef(tree.this.name, target, stmt)
    elif isinstance(tree, exp.Insert):
        stmt = Statement(stmt.path, stmt.line, stmt.column, stmt.text, tree, query_at=_insert_query_offset(tokens))
        target = tree.this
        columns = None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        sink = target.name
        if sink not in job.tables:
            raise stmt.error(ParseError, f"INSERT INTO unknown table `{sink}`", tree,
                             hint="declare it with CREATE TABLE in sql/*.sql or in the job file")
        job.inserts.append(InsertDef(sink, columns, tree.expression, stmt))
    elif isinstance(tree, exp.Set):
        for item in tree.expressions:
            eq = item.this
            job.settings[_string_value(eq.this)] = _string_value(eq.expression)
    else:
        raise stmt.error(ParseError, f"unsupported statement: {tree.key.upper()}", tree,
                         hint="a job holds CREATE TABLE/VIEW/FUNCTION/MODEL, SET and INSERT INTO statements")
    job.statements.append(stmt)


def _add_table_as_select(job: Job, stmt: Statement, tokens: list[Token]) -> None:
    """``CREATE TABLE t [(PRIMARY KEY ...)] WITH (...) AS <query>``, as Flink runs it: a table with the query's
    columns, then an INSERT of the query into it (one job with the others, not a job of its own)."""
    tree = stmt.tree
    declared = tree.this.expressions if isinstance(tree.this, exp.Schema) else []
    if any(not isinstance(item, exp.PrimaryKey) for item in declared):
        raise stmt.error(ParseError, "CREATE TABLE ... AS SELECT declaring columns or a watermark is not "
                         "supported", declared[0], "declare the table with its columns, then INSERT INTO it")
    table = table_def(tree, stmt)
    _check_new(job, table.name, stmt)
    job.tables[table.name] = dataclasses.replace(table, as_select=tree.expression)
    job.statements.append(stmt)
    # The INSERT's own statement: the CTAS text with its head blanked to ``INSERT INTO t`` in place (newlines
    # kept), so positions in it (the query's nodes, Flink's messages) are those of the file.
    query_at = _query_after_as(tokens)
    base = tokens[0].start
    text = [c if c == "\n" else " " for c in stmt.text[:query_at]]
    keep = tokens[:_unparsed_kind([t.text.upper() for t in tokens])[1] + 1]  # CREATE ... TABLE [IF NOT EXISTS]
    name_tokens = [t for t in tokens if t.start - base < query_at and t.token_type != TokenType.ALIAS
                   and t.text == tree.this.find(exp.Table).name][:1]
    for tok, word in ((keep[0], "INSERT"), (next(t for t in keep if t.text.upper() == "TABLE"), "INTO"),
                      *((t, stmt.text[t.start - base:t.end + 1 - base]) for t in name_tokens)):
        at = tok.start - base
        text[at:at + len(word)] = word
    text = "".join(text) + stmt.text[query_at:]
    insert = exp.Insert(this=exp.to_table(table.name), expression=tree.expression)
    job.inserts.append(InsertDef(table.name, None, tree.expression,
                                 Statement(stmt.path, stmt.line, stmt.column, text, insert, query_at=query_at)))


def _query_after_as(tokens: list[Token]) -> int:
    """Where the query of ``CREATE TABLE ... AS <query>`` starts: after the first top-level AS."""
    depth = 0
    for i, tok in enumerate(tokens):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if depth == 0 and tok.token_type == TokenType.ALIAS and i + 1 < len(tokens):
            return tokens[i + 1].start - tokens[0].start
    raise ValueError("CREATE TABLE ... AS without AS")


def _merged_like(job: Job, table: TableDef, like: Like) -> TableDef:
    """``CREATE TABLE t (...) WITH (...) LIKE base (...)`` as Flink merges it: the base's physical columns
    first, its computed and metadata columns, watermark, primary key and options unless excluded; the new
    table's own columns after them, and its own watermark and options over the base's."""
    stmt = table.statement
    base = job.tables.get(like.base)
    if base is None:
        raise stmt.error(ParseError, f"LIKE unknown table `{like.base}`", hint="declare the base table first")
    kept = [c for c in base.columns if c.is_physical
            or (c.computed is not None and like.includes("GENERATED"))
            or (c.metadata is not None and like.includes("METADATA"))]
    watermark = table.watermark or (base.watermark if like.includes("WATERMARKS") else None)
    primary_key = table.primary_key or (base.primary_key if like.includes("CONSTRAINTS") else [])
    options = {**(base.options if like.includes("OPTIONS") else {}), **table.options}
    return TableDef(table.name, [*kept, *table.columns], watermark, primary_key, options, stmt, like)


def _check_new(job: Job, name: str, stmt: Statement) -> None:
    if name in job.tables or name in job.views:
        raise stmt.error(ParseError, f"`{name}` is declared twice", stmt.tree)
