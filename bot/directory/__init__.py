"""The practice's directory of local services, for social prescribing (issue 16).

Pure parsing and matching, no database: `oruk` and `spreadsheet` read an Open
Referral UK feed (3.0 or 1.0) or a CSV into `Service`s, `sources` fetches a file
or an ORUK API's pages, and `matching` ranks services against a person's own
words. Storing them is `bot.store.directory`'s job, and the units of work are in
`bot.directory_services`.
"""
