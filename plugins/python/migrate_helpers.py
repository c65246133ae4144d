"""Thin helpers for migrate-host migrations written in Python.

A migration is a module that defines a class named ``Migration`` (the name
componentize-py looks for: the WIT export ``migration``), built into a
component by ``plugins/python/build.sh``::

    from migrate_helpers import *

    class Migration(BaseMigration):
        REVISION = "20261125120000"
        PARENT = "20261104090000"
        MESSAGE = "audit log"

        def up(self):
            add_table("audit_log", [
                column("id", ty.bigint(), not_null=True, identity=IdentityKind.ALWAYS),
                column("actor", ty.text(), not_null=True),
            ])
            add_constraint("audit_log", "audit_log_pkey", primary_key("id"))

        def down(self):
            drop_table("audit_log")

The names mirror the Rust SDK's prelude (plugins/rust): ``column()``,
``ty.*``, ``primary_key()``, ``index()``, and one function per common action
taking plain Python values: a name is a ``str`` (the default schema) or a
``(schema, name)`` tuple, a value is ``None``/``bool``/``int``/``float``/
``str``/``bytes``/``Decimal``/``dict``/``list`` (JSON). Everything else is the
generated bindings, re-exported as they are: ``actions`` has every action of
``wit/migrate.wit`` (sequences, grants, policies, collations, partitions,
comments...) and ``types`` its records and variants.

A failed action raises ``Err(types.Error)``; let it propagate and the whole
migration is rolled back. ``fail(message)`` raises your own, and any other
exception escaping ``up``/``down`` of a ``BaseMigration`` becomes one too
(``kind`` ``migration``, the message naming the exception).
"""

import json
from decimal import Decimal

from componentize_py_types import Err
from wit_world.exports import migration as _migration
from wit_world.imports import actions, types
from wit_world.imports.types import (
    Error,
    ErrorKind,
    ForeignKeyAction,
    IdentityKind,
    IndexMethod,
)

__all__ = [
    "actions", "types", "Err", "Error", "ErrorKind", "ForeignKeyAction", "IdentityKind", "IndexMethod",
    "BaseMigration", "fail", "name", "value", "from_value", "ty", "column",
    "primary_key", "unique", "check", "foreign_key", "index",
    "add_table", "add_partition", "drop_table", "rename_table",
    "add_column", "drop_column", "rename_column", "change_column_type", "set_column_identity",
    "add_not_null", "drop_not_null", "set_column_default", "drop_column_default",
    "add_constraint", "drop_constraint", "rename_constraint", "add_index", "add_index_sql", "drop_index",
    "rename_index",
    "create_view", "create_materialized_view", "drop_view", "drop_materialized_view",
    "create_extension", "drop_extension", "create_function", "drop_function", "drop_procedure",
    "create_trigger", "drop_trigger", "create_schema", "drop_schema",
    "create_enum", "add_enum_values", "drop_enum_values", "rename_enum_value", "drop_type", "create_type",
    "set_relation_options",
    "execute", "query",
]


# --- the migration -----------------------------------------------------------

class BaseMigration:
    """Base of a module's ``Migration`` class: ``metadata()`` from the class
    attributes ``REVISION``, ``PARENT`` (None for the first) and ``MESSAGE``,
    and ``up``/``down`` that turn a stray Python exception into the
    contract's error instead of a trap."""

    REVISION: str
    PARENT = None
    MESSAGE = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for direction in ("up", "down"):
            if direction in cls.__dict__:
                setattr(cls, direction, _reporting(cls.__dict__[direction]))

    def metadata(self):
        return _migration.RevisionInfo(revision=self.REVISION, parent=self.PARENT, message=self.MESSAGE)

    def up(self):
        fail("this migration has no up()")

    def down(self):
        fail("this migration has no down()")


def _reporting(method):
    def run(self):
        try:
            method(self)
        except Err:
            raise
        except Exception as e:
            raise Err(Error(kind=ErrorKind.MIGRATION, message=f"{type(e).__name__}: {e}", sqlstate=None)) from e

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
    return run


def fail(message):
    """Fails the migration with ``message`` (it is rolled back)."""
    raise Err(Error(kind=ErrorKind.MIGRATION, message=str(message), sqlstate=None))


# --- names and values --------------------------------------------------------

def name(n):
    """A ``QualifiedName`` from ``"table"`` (the default schema) or
    ``("schema", "table")``. A dot is part of a name, not a separator."""
    if isinstance(n, types.QualifiedName):
        return n
    if isinstance(n, tuple):
        schema, bare = n
        return types.QualifiedName(schema=schema, name=bare)
    return types.QualifiedName(schema=None, name=n)


def value(v):
    """A bind parameter (``SqlValue``) from a Python value."""
    if isinstance(v, _SQL_VALUES):
        return v
    if v is None:
        return types.SqlValue_Null()
    if isinstance(v, bool):
        return types.SqlValue_Boolean(v)
    if isinstance(v, int):
        return types.SqlValue_Int(v)
    if isinstance(v, float):
        return types.SqlValue_Float(v)
    if isinstance(v, Decimal):
        return types.SqlValue_Numeric(str(v))
    if isinstance(v, str):
        return types.SqlValue_Text(v)
    if isinstance(v, (bytes, bytearray)):
        return types.SqlValue_Bytes(bytes(v))
    if isinstance(v, (dict, list)):
        return types.SqlValue_Json(json.dumps(v))
    raise TypeError(f"no SQL value for {type(v).__name__}")


def from_value(v):
    """A Python value from a ``SqlValue`` of ``query``: ``numeric`` as
    ``Decimal``, JSON parsed."""
    if isinstance(v, types.SqlValue_Null):
        return None
    if isinstance(v, types.SqlValue_Numeric):
        return Decimal(v.value)
    if isinstance(v, types.SqlValue_Json):
        return json.loads(v.value)
    return v.value


_SQL_VALUES = (
    types.SqlValue_Null, types.SqlValue_Boolean, types.SqlValue_Int, types.SqlValue_Float,
    types.SqlValue_Numeric, types.SqlValue_Text, types.SqlValue_Bytes, types.SqlValue_Json,
)


def _names(columns):
    """``"a"``, ``["a", "b"]`` or several of either, as a list of names."""
    out = []
    for c in columns:
        out.extend([c] if isinstance(c, str) else c)
    return out


def _data_type(t):
    return t if isinstance(t, types.DataType) else types.DataType(scalar=t, is_array=False)


# --- types, columns, constraints, indexes ------------------------------------

def _time(with_time_zone, precision):
    return types.TimeOptions(with_time_zone=with_time_zone, precision=precision)


class ty:
    """Column types: ``ty.text()``, ``ty.varchar(40)``, ``ty.numeric(10, 2)``,
    ``ty.named("post_status")``, ``ty.array(ty.text())``."""

    smallint = staticmethod(lambda: types.ScalarType_Smallint())
    integer = staticmethod(lambda: types.ScalarType_Integer())
    bigint = staticmethod(lambda: types.ScalarType_Bigint())
    serial = staticmethod(lambda: types.ScalarType_Serial())
    bigserial = staticmethod(lambda: types.ScalarType_Bigserial())
    smallserial = staticmethod(lambda: types.ScalarType_Smallserial())
    real = staticmethod(lambda: types.ScalarType_Real())
    double_precision = staticmethod(lambda: types.ScalarType_DoublePrecision())
    # numeric(precision, scale); decimal: unconstrained numeric
    numeric = staticmethod(lambda precision, scale: types.ScalarType_Numeric(types.NumericPrecision(precision, scale)))
    decimal = staticmethod(lambda: types.ScalarType_Numeric(None))
    money = staticmethod(lambda: types.ScalarType_Money())
    text = staticmethod(lambda: types.ScalarType_Text())
    varchar = staticmethod(lambda length=None: types.ScalarType_Varchar(length))
    char = staticmethod(lambda length=None: types.ScalarType_Char(length))
    bytea = staticmethod(lambda: types.ScalarType_Bytea())
    boolean = staticmethod(lambda: types.ScalarType_Boolean())
    date = staticmethod(lambda: types.ScalarType_Date())
    time = staticmethod(lambda precision=None: types.ScalarType_Time(_time(False, precision)))
    timestamp = staticmethod(lambda precision=None: types.ScalarType_Timestamp(_time(False, precision)))
    timestamptz = staticmethod(lambda precision=None: types.ScalarType_Timestamp(_time(True, precision)))
    interval = staticmethod(lambda: types.ScalarType_Interval())
    uuid = staticmethod(lambda: types.ScalarType_Uuid())
    json = staticmethod(lambda: types.ScalarType_Json())
    jsonb = staticmethod(lambda: types.ScalarType_Jsonb())
    inet = staticmethod(lambda: types.ScalarType_Inet())
    # a user-defined type (an enum, a domain) by name
    named = staticmethod(lambda n: types.ScalarType_Named(name(n)))
    # a type as Postgres spells it, for anything the others lack
    sql = staticmethod(lambda spelling: types.ScalarType_Sql(spelling))
    # an array of a scalar type (text[])
    array = staticmethod(lambda scalar: types.DataType(scalar=scalar, is_array=True))


def column(column_name, data_type, *, not_null=False, default=None, default_expr=None,
           identity=None, generated=None, collate=None):
    """A column of ``add_table``/``add_column``: nullable unless ``not_null``;
    ``default`` a constant (sent as a typed literal), ``default_expr`` an
    expression such as ``"now()"``; ``identity`` an ``IdentityKind``;
    ``generated`` a stored generated column's expression; ``collate`` a
    collation name."""
    if default is not None and default_expr is not None:
        raise ValueError("column: give default or default_expr, not both")
    if default is not None:
        default = types.ColumnDefault_Value(value(default))
    elif default_expr is not None:
        default = types.ColumnDefault_Expression(default_expr)
    return types.ColumnDef(
        name=column_name,
        data_type=_data_type(data_type),
        nullable=not not_null,
        default=default,
        identity=identity,
        generated=generated,
        collation=None if collate is None else name(collate),
    )


def primary_key(*columns):
    """``PRIMARY KEY (columns)``: ``primary_key("id")``, ``primary_key("a", "b")``."""
    return types.Constraint_PrimaryKey(_names(columns))


def unique(*columns):
    """``UNIQUE (columns)``."""
    return types.Constraint_Unique(_names(columns))


def check(expression):
    """``CHECK (expression)``."""
    return types.Constraint_Check(expression)


def foreign_key(columns, references, referenced_columns, *,
                on_delete=ForeignKeyAction.NO_ACTION, on_update=ForeignKeyAction.NO_ACTION):
    """``FOREIGN KEY (columns) REFERENCES table (referenced_columns)``."""
    return types.Constraint_ForeignKey(types.ForeignKey(
        columns=_names([columns]),
        references=name(references),
        referenced_columns=_names([referenced_columns]),
        on_delete=on_delete,
        on_update=on_update,
    ))


def index(index_name, table, columns, *, unique=False, method=IndexMethod.BTREE, predicate=None):
    """An index for ``add_index``: btree unless ``method``; ``predicate`` makes
    it partial."""
    return types.IndexDef(
        name=index_name, table=name(table), columns=_names([columns]),
        unique=unique, method=method, predicate=predicate,
    )


# --- actions -----------------------------------------------------------------

def add_table(table, columns, *, unlogged=False, partition_by=None, inherits=()):
    """``CREATE [UNLOGGED] TABLE table (columns...) [INHERITS (...)] [PARTITION BY ...]``."""
    options = types.TableOptions(
        unlogged=unlogged, partition_by=partition_by, partition_of=None, inherits=[name(p) for p in inherits],
    )
    actions.add_table(name(table), list(columns), options)


def add_partition(partition, parent, bound):
    """``CREATE TABLE partition PARTITION OF parent <bound>`` (``FOR VALUES ...`` or ``DEFAULT``)."""
    options = types.TableOptions(
        unlogged=False, partition_by=None, partition_of=types.PartitionOf(parent=name(parent), bound=bound),
        inherits=[],
    )
    actions.add_table(name(partition), [], options)


def drop_table(table):
    actions.drop_table(name(table))


def rename_table(table, new_name):
    actions.rename_table(name(table), new_name)


def add_column(table, col):
    actions.add_column(name(table), col)


def drop_column(table, column_name):
    actions.drop_column(name(table), column_name)


def rename_column(table, column_name, new_name):
    actions.rename_column(name(table), column_name, new_name)


def change_column_type(table, column_name, new_type, *, using=None, auto=False):
    """``ALTER COLUMN ... TYPE ...``: Postgres's assignment cast, or ``auto``
    (the host writes the ``USING`` cast), or ``using`` an expression."""
    if using is not None:
        cast = types.TypeCast_Using(using)
    elif auto:
        cast = types.TypeCast_Auto()
    else:
        cast = types.TypeCast_None_()
    actions.change_column_type(name(table), column_name, _data_type(new_type), cast)


def set_column_identity(table, column_name, identity):
    """Makes a column an identity column (an ``IdentityKind``) or, with None, stops it being one."""
    actions.set_column_identity(name(table), column_name, identity)


def add_not_null(table, column_name):
    actions.add_not_null(name(table), column_name)


def drop_not_null(table, column_name):
    actions.drop_not_null(name(table), column_name)


def set_column_default(table, column_name, default=None, *, expr=None):
    """``SET DEFAULT``: a constant, or (``expr``) an expression."""
    if expr is not None:
        actions.set_column_default(name(table), column_name, types.ColumnDefault_Expression(expr))
    else:
        actions.set_column_default(name(table), column_name, types.ColumnDefault_Value(value(default)))


def drop_column_default(table, column_name):
    actions.drop_column_default(name(table), column_name)


def add_constraint(table, constraint_name, constraint):
    actions.add_constraint(name(table), constraint_name, constraint)


def drop_constraint(table, constraint_name):
    actions.drop_constraint(name(table), constraint_name)


def rename_constraint(table, constraint_name, new_name):
    actions.rename_constraint(name(table), constraint_name, new_name)


def add_index(index_def):
    actions.add_index(index_def)


def add_index_sql(definition):
    actions.add_index_sql(definition)


def drop_index(index_name):
    actions.drop_index(name(index_name))


def rename_index(index_name, new_name):
    actions.rename_index(name(index_name), new_name)


def create_view(view, query_sql):
    actions.create_view(name(view), query_sql, False)


def create_materialized_view(view, query_sql):
    actions.create_view(name(view), query_sql, True)


def drop_view(view):
    actions.drop_view(name(view), False)


def drop_materialized_view(view):
    actions.drop_view(name(view), True)


def create_extension(extension, schema=None, version=None):
    actions.create_extension(extension, schema, version)


def drop_extension(extension):
    actions.drop_extension(extension)


def create_function(definition):
    actions.create_function(definition)


def drop_function(function, arguments=""):
    actions.drop_function(name(function), arguments, False)


def drop_procedure(procedure, arguments=""):
    actions.drop_function(name(procedure), arguments, True)


def create_trigger(definition):
    actions.create_trigger(definition)


def drop_trigger(table, trigger_name):
    actions.drop_trigger(name(table), trigger_name)


def create_schema(schema):
    actions.create_schema(schema)


def drop_schema(schema):
    actions.drop_schema(schema)


def create_enum(enum, values):
    actions.create_enum(name(enum), list(values))


def add_enum_values(enum, values, *, before=None, after=None):
    """``ALTER TYPE ... ADD VALUE`` for each value: appended, or placed ``before``/``after`` an existing one."""
    position = None
    if before is not None:
        position = types.EnumPosition_Before(before)
    elif after is not None:
        position = types.EnumPosition_After(after)
    actions.add_enum_values(name(enum), list(values), position)


def drop_enum_values(enum, values):
    actions.drop_enum_values(name(enum), list(values))


def rename_enum_value(enum, value, new_value):
    """``ALTER TYPE ... RENAME VALUE``: rows keep their value under its new label."""
    actions.rename_enum_value(name(enum), value, new_value)


def drop_type(type_name):
    actions.drop_type(name(type_name))


def create_type(definition):
    """A whole ``CREATE DOMAIN``, ``CREATE TYPE name AS (...)`` or ``CREATE TYPE name AS RANGE (...)``."""
    actions.create_type(definition)


def set_relation_options(relation, options=None, reset=()):
    """``ALTER TABLE relation SET (name = 'value', ...)`` for each item of ``options``, then ``RESET (...)``."""
    settings = [types.RelationOption(name=k, value=str(v)) for k, v in (options or {}).items()]
    actions.set_relation_options(name(relation), settings, list(reset))


def execute(sql, *params):
    """Runs one statement with bind parameters (``$1``, ``$2``...); returns the number of rows affected."""
    return actions.execute(sql, [value(p) for p in params])


def query(sql, *params):
    """Runs one statement with bind parameters; returns its rows as dicts of Python values."""
    rows = actions.query(sql, [value(p) for p in params])
    return [dict(zip(rows.columns, map(from_value, row))) for row in rows.rows]
