"""Riskreg: the risk and internal-control register."""

from __future__ import annotations

from flask import Flask

from .config import Config, config_for_env
from .uow import UnitOfWorkFlask


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app in named steps. Every view runs in one unit of work (uow.py)."""
    app = UnitOfWorkFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    configure(app, config)
    register_deployment(app)
    register_extensions(app)
    register_blueprints(app)
    register_features(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_static_assets(app)
    register_ops(app)
    register_input_checks(app)
    register_commands(app)
    return app


def configure(app: Flask, config: type[Config] | dict | None) -> None:
    app.config.from_object(config_for_env() if config is None or isinstance(config, dict)
                           else config)
    if isinstance(config, dict):
        app.config.update(config)
    Config.check(app.config)


def register_deployment(app: Flask) -> None:
    from .deployment import init_deployment

    init_deployment(app)


def register_extensions(app: Flask) -> None:
    from . import i18n
    from .auth.loader import init_login
    from .extensions import babel, csrf, db, limiter, migrate

    db.init_app(app)
    _configure_sqlite(app)
    _configure_postgresql(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories="translations")
    init_login(app)


def _sqlite_connect(dbapi_connection, _record) -> None:
    """Foreign keys on, WAL journal; and transactions begun by SQLAlchemy, not pysqlite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    dbapi_connection.isolation_level = None  # pysqlite's own implicit BEGIN is off


def _sqlite_begin(connection) -> None:
    """A writing request takes SQLite's write lock when its transaction begins (BEGIN
    IMMEDIATE): concurrent writers then queue on the busy timeout instead of failing with
    "database is locked" when one read before another wrote. Everything else begins a
    plain (deferred) transaction, and so do a writing request's reads in
    ``uow.before_writing()`` (a slow step there must not hold the lock)."""
    from flask import has_request_context, request

    from .uow import WRITE_METHODS, reading_before_writes

    writing = (has_request_context() and request.method in WRITE_METHODS
               and not reading_before_writes())
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _listen_on_engine(app: Flask, url_prefix: str, listeners: dict) -> None:
    """Attach ``listeners`` (event name → function) to this app's engine once, when its
    database URL starts with ``url_prefix``."""
    from sqlalchemy import event

    from .extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith(url_prefix):
        return
    with app.app_context():
        engine = db.engine
        for name, fn in listeners.items():
            if not event.contains(engine, name, fn):
                event.listen(engine, name, fn)


def _configure_sqlite(app: Flask) -> None:
    """The SQLAlchemy recipe for pysqlite's transactions (so that SAVEPOINT and BEGIN
    IMMEDIATE work), for every connection of this app's SQLite engine."""
    _listen_on_engine(app, "sqlite", {"connect": _sqlite_connect, "begin": _sqlite_begin})


def _postgresql_connect(dbapi_connection, _record) -> None:
    """No server-side prepared statements (psycopg prepares a statement after its 5th
    execution on a connection). PostgreSQL plans a prepared statement for its parameters
    five times, then may switch to one generic plan for all values, and for the
    statements bound over unit-path ranges and period keys the generic plan is far worse:
    the heat-map page's overdue-measures finding went from 10 ms to 1,550 ms on every
    request after a pooled connection's tenth (issue 14, benchmarks/README.md). Unprepared
    statements are planned for their values every time; parsing them again costs well
    under a millisecond. Also right behind PgBouncer in transaction mode."""
    dbapi_connection.prepare_threshold = None


def _configure_postgresql(app: Flask) -> None:
    """Every connection of this app's PostgreSQL engine plans each statement for its
    values (``_postgresql_connect``)."""
    _listen_on_engine(app, "postgresql", {"connect": _postgresql_connect})


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .ids import IdConverter

    app.url_map.converters["int"] = IdConverter
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .boardpack.routes import bp as boardpack_bp
    from .controls.routes import bp as controls_bp
    from .heatmaps.routes import bp as heatmaps_bp
    from .kpis.routes import bp as kpis_bp
    from .locks.routes import bp as locks_bp
    from .main.routes import bp as main_bp
    from .measures.routes import bp as measures_bp
    from .reports.routes import bp as reports_bp
    from .risks.routes import bp as risks_bp
    from .vendor import bp as vendor_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(risks_bp, url_prefix="/risks")
    app.register_blueprint(measures_bp, url_prefix="/measures")
    app.register_blueprint(heatmaps_bp)
    app.register_blueprint(boardpack_bp)
    app.register_blueprint(kpis_bp, url_prefix="/kpis")
    app.register_blueprint(locks_bp, url_prefix="/locks")
    app.register_blueprint(controls_bp, url_prefix="/controls")
    app.register_blueprint(reports_bp, url_prefix="/xlsx")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(vendor_bp)


def register_features(app: Flask) -> None:
    """What each feature adds beyond its pages, named here in order: the main menu, the
    start page's steps and panels, the demo-data loaders."""
    from flask_babel import lazy_gettext as _l

    from . import navigation, reminders, seed
    from .auth.permissions import is_board, is_coordinator
    from .boardpack import sections as pack
    from .controls import labels as control_labels
    from .controls import pack as control_pack
    from .controls import reminders as control_reminders
    from .controls import seed as control_seed
    from .findings import start as findings_start
    from .kpis import seed as kpi_seed
    from .main import start as main_start
    from .measures import seed as measure_seed
    from .measures import start as measure_start
    from .reminders import providers as reminder_providers
    from .reminders import start as reminder_start
    from .risks import seed as risk_seed
    from .risks import start as risk_start

    def everyone(_user) -> bool:
        return True

    navigation.init_navigation(app, [
        navigation.NavEntry(lambda: _l("Heat maps"), "heatmaps.index", everyone),
        navigation.NavEntry(lambda: _l("Board view"), "heatmaps.board", is_board),
        navigation.NavEntry(lambda: _l("Risks"), "risks.index", everyone),
        navigation.NavEntry(lambda: _l("Measures"), "measures.index", everyone),
        navigation.NavEntry(lambda: _l("KPIs"), "kpis.table", everyone),
        # coordinators report periods here; the others reach it from a period's lock banner
        navigation.NavEntry(lambda: _l("Reported periods"), "locks.index", is_coordinator),
        navigation.NavEntry(lambda: _l("Internal control"), "controls.index", everyone),
    ])
    app.jinja_env.globals.update(control_labels.TEMPLATE_GLOBALS)
    main_start.init_start_page(
        app,
        steps=[main_start.admin_steps, risk_start.steps, measure_start.steps],
        panels=[reminder_start.todo_panel, risk_start.awaiting_panels,
                findings_start.coordinator_panel],
    )
    pack.init_boardpack(app, sections=[
        pack.RISK_PICTURE, pack.MOVEMENTS, pack.FINDINGS, pack.MEASURES,
        control_pack.SECTION,  # the internal-control follow-up (riskreg/controls/)
        pack.KPIS,
    ])
    reminders.init_reminders(app, providers=[reminder_providers.risks_to_reassess,
                                             reminder_providers.measures_to_report,
                                             control_reminders.control_runs_to_perform])
    seed.init_seed(app, loaders=[risk_seed.load_risks, measure_seed.load_measures,
                                 kpi_seed.load_links, control_seed.load_controls])


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    """Formatting filters, display labels and the permission rules templates use (functions
    that read what the view loaded; none of them queries)."""
    from . import i18n, labels, links
    from .auth import permissions

    app.jinja_env.globals.update(permissions.TEMPLATE_RULES)
    app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)
    app.jinja_env.globals["url_pattern"] = links.url_pattern
    app.jinja_env.globals["numbered_links"] = links.numbered_links
    i18n.init_template_helpers(app)


def register_static_assets(app: Flask) -> None:
    """Static files under content-hashed names, compressed, cached for a year."""
    from .assets import init_assets

    init_assets(app)


def register_security_headers(app: Flask) -> None:
    from .security import init_security_headers

    init_security_headers(app)


def register_ops(app: Flask) -> None:
    from .ops import init_ops

    init_ops(app)


def register_input_checks(app: Flask) -> None:
    from .textguard import init_textguard

    init_textguard(app)


def register_commands(app: Flask) -> None:
    from .cli import init_cli
    from .ops.backup import init_backup_cli
    from .reminders.cli import init_reminders_cli
    from .reports.cli import init_xlsx_cli

    init_cli(app)
    init_backup_cli(app)
    init_reminders_cli(app)
    init_xlsx_cli(app)
