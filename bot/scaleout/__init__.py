"""Scale-out: the production profile (PostgreSQL, Redis locks, servers behind nginx) on one machine."""

from bot.scaleout.profile import Layout, check_profile, layout, scaled_parts, write_nginx_conf

__all__ = ["Layout", "check_profile", "layout", "scaled_parts", "write_nginx_conf"]
