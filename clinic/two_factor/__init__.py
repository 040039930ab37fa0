"""Two-factor sign-in for everyone who can read health data: rule, devices, pages, gate and admin."""
