"""The HR admin's pages under /hr/: waves, rosters, sending, paper responses, instruments, audit.

HR admins run waves end to end here without the Django admin; nothing here
ever shows an individual's answers. Each module starts with its access
helper: anonymous visitors are sent to the login page, accounts without the
HR admin role get 403, unknown objects 404.
"""
