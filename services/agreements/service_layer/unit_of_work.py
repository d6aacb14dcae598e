from services.agreements.adapters.repository import (
    AgreementRepository,
    ApplicationCopies,
    CalendarRepository,
    DocumentRepository,
    EnterpriseCopies,
    InstitutionCopies,
    ListRepository,
    MeetingRepository,
    NeedCopies,
    ObjectionRepository,
    PairRepository,
    ResearcherCopies,
    ServiceLogRepository,
    TrackingContactRepository,
)
from shared.unit_of_work import SqlAlchemyUnitOfWork


class AgreementsUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedCopies(self.session)
        self.applications = ApplicationCopies(self.session)
        self.researchers = ResearcherCopies(self.session)
        self.institutions = InstitutionCopies(self.session)
        self.enterprises = EnterpriseCopies(self.session)
        self.pairs = PairRepository(self.session)
        self.meetings = MeetingRepository(self.session)
        self.lists = ListRepository(self.session)
        self.objections = ObjectionRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        self.agreements = AgreementRepository(self.session)
        self.service_logs = ServiceLogRepository(self.session)
        self.contacts = TrackingContactRepository(self.session)
        self.documents = DocumentRepository(self.session)
