"""Casedesk: a support desk for software vendors with contract customers."""
