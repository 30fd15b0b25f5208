"""Riskreg: the risk and internal-control register."""

from __future__ import annotations

from flask import Flask

from .config import Config, config_for_env


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app in named steps."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    configure(app, config)
    register_deployment(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
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
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories="translations")
    init_login(app)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _configure_sqlite(app: Flask) -> None:
    """Foreign keys on, WAL journal, for every connection of this app's SQLite engine."""
    from sqlalchemy import event

    from .extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
        if not event.contains(engine, "connect", _sqlite_pragmas):
            event.listen(engine, "connect", _sqlite_pragmas)


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .ids import IdConverter

    app.url_map.converters["int"] = IdConverter
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .heatmaps.routes import bp as heatmaps_bp
    from .main.routes import bp as main_bp
    from .risks import seed as _risk_seed  # noqa: F401  (registers the demo-risk loader)
    from .risks import start as _risk_start  # noqa: F401  (start-page steps and panels)
    from .risks.helpers import HELPERS as risk_helpers
    from .risks.routes import bp as risks_bp
    from .vendor import bp as vendor_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(risks_bp, url_prefix="/risks")
    app.register_blueprint(heatmaps_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(vendor_bp)
    app.jinja_env.globals.update(risk_helpers)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    from . import i18n, navigation
    from .auth import permissions

    app.jinja_env.globals.update(permissions.TEMPLATE_RULES)
    i18n.init_template_helpers(app)
    navigation.init_navigation(app)


def register_security_headers(app: Flask) -> None:
    from .security import init_security_headers

    init_security_headers(app)


def register_input_checks(app: Flask) -> None:
    from .textguard import init_textguard

    init_textguard(app)


def register_commands(app: Flask) -> None:
    from .cli import init_cli

    init_cli(app)
