from __future__ import annotations

from django import template

from reports.selectors import has_report_role

register = template.Library()


@register.simple_tag
def shows_reports(user: object) -> bool:
    """Whether the navigation offers "Reports": leaders, equity analysts and HR admins."""
    return has_report_role(user)
