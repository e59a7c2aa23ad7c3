"""Project Scrapy commands (COMMANDS_MODULE): `crawl` with the spider's exit status."""
