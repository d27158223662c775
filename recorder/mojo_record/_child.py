"""Imported first by a spawned child (see _spawn): start recording it."""
import mojo_record

mojo_record._start_from_env()
