from services.agreements.adapters.orm import registry_copies as registry_copy_tables
from services.agreements.adapters.repository import (
    AgreementRepository,
    ApplicationCopies,
    CalendarRepository,
    DocumentRepository,
    ListRepository,
    MeetingRepository,
    NeedCopies,
    ObjectionRepository,
    PairRepository,
    ServiceLogRepository,
    TrackingContactRepository,
)
from shared.copies import registry_copies
from shared.unit_of_work import SqlAlchemyUnitOfWork


class AgreementsUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedCopies(self.session)
        self.applications = ApplicationCopies(self.session)
        self.researchers, self.institutions, self.enterprises = registry_copies(self.session, registry_copy_tables)
        self.pairs = PairRepository(self.session)
        self.meetings = MeetingRepository(self.session)
        self.lists = ListRepository(self.session)
        self.objections = ObjectionRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        self.agreements = AgreementRepository(self.session)
        self.service_logs = ServiceLogRepository(self.session)
        self.contacts = TrackingContactRepository(self.session)
        self.documents = DocumentRepository(self.session)
