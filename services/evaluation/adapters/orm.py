from shared.db import make_metadata
from shared.messaging.tables import add_messaging_tables

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
